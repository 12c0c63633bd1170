#pragma once
// Helpers shared by the unit tests of server/ parts.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "server/http/api_error.h"
#include "server/http/cookies.h"
#include "server/http/origin_check.h"
#include "server/http/request_body.h"
#include "server/http/types.h"
#include "server/http/url.h"
#include "server/session/render.h"

namespace issuer::server::test {


inline constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z
inline constexpr char kBase[] = "http://localhost:3000";

using Headers = std::vector<std::pair<std::string, std::string>>;

inline HttpRequest Request(std::string method, const Headers& headers, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = "/api/auth/sign-in/email";
  for (const auto& [name, value] : headers) r.headers.emplace(name, value);
  r.body = std::move(body);
  return r;
}

inline std::optional<ApiCode> CodeOf(const std::optional<ApiError>& error) {
  if (!error) return std::nullopt;
  return error->code;
}

// What the cookie origin check answers (nullopt: the request passes).
inline std::optional<ApiCode> CookieVerdict(const HttpRequest& request,
                                     const std::vector<std::string>& trusted = {}) {
  return CodeOf(CheckCookieOrigin(request, TrustedOrigins(trusted), kBase));
}

// What sign-in/sign-up's formCsrfMiddleware answers.
inline std::optional<ApiCode> LoginVerdict(const HttpRequest& request,
                                    const std::vector<std::string>& trusted = {}) {
  return CodeOf(CheckLoginCsrf(request, TrustedOrigins(trusted), kBase));
}

inline std::string OriginOf(std::string_view url) {
  auto parsed = ParseUrl(url);
  return parsed ? parsed->Origin() : "<invalid>";
}

inline const Body& BodyOf(const std::variant<Body, ApiError>& parsed) {
  REQUIRE(std::holds_alternative<Body>(parsed));
  return std::get<Body>(parsed);
}

inline const ApiError& ErrorOf(const std::variant<Body, ApiError>& parsed) {
  REQUIRE(std::holds_alternative<ApiError>(parsed));
  return std::get<ApiError>(parsed);
}

inline std::variant<Body, ApiError> Parse(const std::string& content_type, const std::string& body,
                                   bool allow_form) {
  return ParseBody(Request("POST", {{"content-type", content_type}}, body), allow_form);
}

inline const std::vector<FieldSpec>& SignUpFields() {
  static const std::vector<FieldSpec> fields = {{"name", FieldType::kString, true},
                                                {"email", FieldType::kEmail, true},
                                                {"password", FieldType::kString, true},
                                                {"image", FieldType::kString, false},
                                                {"rememberMe", FieldType::kBoolean, false}};
  return fields;
}

// The validation message for `body_json` ("" when valid); "undefined" means no body.
inline std::string Validate(const std::string& body_json) {
  Body body;
  if (body_json != "undefined") body = nlohmann::json::parse(body_json);
  auto error = ValidateFields(body, SignUpFields());
  if (!error) return "";
  CHECK(error->code == ApiCode::kValidationError);
  return error->message;
}

inline std::string WireBody(ApiCode code, std::string message = "") {
  return ToWire(ApiError{code, std::move(message)}).body;
}

inline storage::UserRow Alice() {
  storage::UserRow u;
  u.id = "iiJAZNlZxma243kpegnwGCLHnglid2kQ";
  u.name = "Alice";
  u.email = "alice@example.com";
  u.created_at_ms = kT0;
  u.updated_at_ms = kT0;
  return u;
}

}  // namespace issuer::server::test
