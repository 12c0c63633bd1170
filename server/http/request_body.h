#pragma once

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http/api_error.h"
#include "server/http/types.h"

namespace issuer::server {

// A request body as better-call sees it: nullopt when there is none ("undefined").
using Body = std::optional<nlohmann::json>;

// Reads the body by Content-Type (parameters ignored): application/json everywhere, and
// application/x-www-form-urlencoded where `allow_form` (sign-in, sign-up). Another type gives
// 415 naming the allowed types; unparsable JSON gives 400 "Invalid JSON in request body".
// No Content-Type means no body, as in Better Auth.
std::variant<Body, ApiError> ParseBody(const HttpRequest& request, bool allow_form);

// The 415 Better Auth answers for a Content-Type it does not take; the message quotes the header
// as sent.
ApiError UnsupportedMediaType(const std::string& content_type, bool allow_form);

// True for a media type ParseBody accepts (`allow_form`: also form-urlencoded).
bool AcceptedMediaType(const std::string& content_type, bool allow_form);

enum class FieldType { kString, kEmail, kBoolean };  // kEmail: a string zod's email regex accepts
struct FieldSpec {
  const char* name;
  FieldType type;
  bool required;
  bool non_empty = false;  // z.string().min(1)
};

// zod-style validation of the body's fields, in schema order. On failure returns
// VALIDATION_ERROR with zod's message, e.g. "[body.email] Invalid input: expected string,
// received number", issues joined with "; ". `record_schema`: the schema is also a record
// (sign-up), so a non-object body gets zod's second "expected record" issue too.
std::optional<ApiError> ValidateFields(const Body& body, const std::vector<FieldSpec>& fields,
                                       bool record_schema = false);

// JavaScript truthiness of a JSON value (`if (body.email)`).
bool Truthy(const nlohmann::json& value);

// zod's z.record(z.string(), z.any()) over the body (update-user): any JSON object.
std::optional<ApiError> ValidateRecord(const Body& body);

}  // namespace issuer::server
