#include "server/http/api_error.h"

#include <nlohmann/json.hpp>

namespace issuer::server {
namespace {

struct Entry {
  int status;
  const char* code;  // nullptr: the body has no "code"
  const char* message;
};

Entry Lookup(ApiCode code) {
  switch (code) {
    case ApiCode::kUnauthorized:
      return {401, "UNAUTHORIZED", "Unauthorized"};
    case ApiCode::kInvalidEmailOrPassword:
      return {401, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password"};
    case ApiCode::kInvalidEmail:
      return {400, "INVALID_EMAIL", "Invalid email"};
    case ApiCode::kUserAlreadyExists:
      return {422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
              "User already exists. Use another email."};
    case ApiCode::kFailedToCreateUser:
      return {422, "FAILED_TO_CREATE_USER", "Failed to create user"};
    case ApiCode::kPasswordTooShort:
      return {400, "PASSWORD_TOO_SHORT", "Password too short"};
    case ApiCode::kPasswordTooLong:
      return {400, "PASSWORD_TOO_LONG", "Password too long"};
    case ApiCode::kValidationError:
      return {400, "VALIDATION_ERROR", "Invalid input"};
    case ApiCode::kInvalidJson:
      return {400, "BAD_REQUEST", "Invalid JSON in request body"};
    case ApiCode::kUnsupportedMediaType:
      return {415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"};
    case ApiCode::kMissingOrNullOrigin:
      return {403, "MISSING_OR_NULL_ORIGIN", "Missing or null Origin"};
    case ApiCode::kInvalidOrigin:
      return {403, "INVALID_ORIGIN", "Invalid origin"};
    case ApiCode::kCrossSiteNavigationBlocked:
      return {403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
              "Cross-site navigation login blocked. This request appears to be a CSRF attack."};
    case ApiCode::kInvalidCallbackUrl:
      return {403, "INVALID_CALLBACK_URL", "Invalid callbackURL"};
    case ApiCode::kCallbackUrlNotString:
      return {400, nullptr, "Invalid callbackURL: expected a string"};
    case ApiCode::kDeferSessionRequired:
      return {405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
              "POST method requires deferSessionRefresh to be enabled in session config"};
    case ApiCode::kPayloadTooLarge:
      return {413, "PAYLOAD_TOO_LARGE", "Request body too large"};
    case ApiCode::kTooManyRequests:
      return {429, nullptr, "Too many requests. Please try again later."};
    case ApiCode::kServiceUnavailable:
      return {503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable"};
    case ApiCode::kInternal:
      break;
  }
  return {500, "INTERNAL_SERVER_ERROR", "Internal server error"};
}

}  // namespace

WireError ToWire(const ApiError& error) {
  const Entry e = Lookup(error.code);
  nlohmann::ordered_json body = {{"message", error.message.empty() ? e.message : error.message}};
  if (e.code != nullptr) body["code"] = e.code;
  return {e.status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

ApiError FromError(const Error& error) {
  if (error.code == Errc::kUnavailable) return {ApiCode::kServiceUnavailable, ""};
  return {ApiCode::kInternal, ""};
}

}  // namespace issuer::server
