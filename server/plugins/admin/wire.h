#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http/api_error.h"
#include "server/http/request_body.h"
#include "server/http/types.h"

namespace issuer::server::admin {

// Better Auth's ADMIN_ERROR_CODES (dist/plugins/admin/error-codes.mjs) as answered with
// `status`: ApiError::Custom(status, code, its message). REQUIRES: `code` is one of them.
ApiError AdminError(int status, const std::string& code);

// The base code USER_NOT_FOUND as the admin routes answer it: 404.
ApiError UserNotFound();

// better-call's APIError.fromStatus(status, {message}): the message alone, no code.
ApiError StatusOnly(int status, const std::string& message);

// The zod types of the admin routes' body fields.
enum class Zod {
  kCoercedString,   // z.coerce.string(): any value but undefined, read as JS String(value)
  kOptionalString,  // z.string().optional()
  kOptionalNumber,  // z.number().optional()
  kRole,            // z.union([z.string(), z.array(z.string())])
};
struct ZodField {
  const char* name;
  Zod type;
};

// zod's object check of the body, issues in schema order: VALIDATION_ERROR with zod's
// messages ("[body.userId] Invalid input: expected nonoptional, received undefined").
std::optional<ApiError> ValidateBody(const Body& body, const std::vector<ZodField>& fields);

// JavaScript's String(value) of a JSON value (z.coerce.string): null "null", arrays joined with
// ",", objects "[object Object]".
std::string JsString(const nlohmann::json& value);

// JavaScript's Number(text) for a query value: nullopt where it is NaN.
std::optional<double> JsNumber(const std::string& text);

// zod's z.enum check of the query parameter `name` (absent passes): the issue, or "".
std::string EnumIssue(const HttpRequest& request, const std::string& name,
                      const std::vector<std::string>& allowed);

}  // namespace issuer::server::admin
