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
    case ApiCode::kSessionNotFresh:
      return {403, "SESSION_NOT_FRESH", "Session is not fresh"};
    case ApiCode::kSessionExpired:
      return {400, "SESSION_EXPIRED", "Session expired. Re-authenticate to perform this action."};
    case ApiCode::kInvalidToken:
      return {400, "INVALID_TOKEN", "Invalid token"};
    case ApiCode::kInvalidTokenUnauthorized:
      return {401, "INVALID_TOKEN", "Invalid token"};
    case ApiCode::kInvalidTokenNotFound:
      return {404, "INVALID_TOKEN", "Invalid token"};
    case ApiCode::kTokenExpired:
      return {401, "TOKEN_EXPIRED", "Token expired"};
    case ApiCode::kUserNotFound:
      return {400, "USER_NOT_FOUND", "User not found"};
    case ApiCode::kUserNotFoundUnauthorized:
      return {401, "USER_NOT_FOUND", "User not found"};
    case ApiCode::kEmailCanNotBeUpdated:
      return {400, "EMAIL_CAN_NOT_BE_UPDATED", "Email can not be updated"};
    case ApiCode::kBodyMustBeAnObject:
      return {400, "BODY_MUST_BE_AN_OBJECT", "Body must be an object"};
    case ApiCode::kNoFieldsToUpdate:
      return {400, nullptr, "No fields to update"};
    case ApiCode::kCredentialAccountNotFound:
      return {400, "CREDENTIAL_ACCOUNT_NOT_FOUND", "Credential account not found"};
    case ApiCode::kInvalidPassword:
      return {400, "INVALID_PASSWORD", "Invalid password"};
    case ApiCode::kEmailNotVerified:
      return {403, "EMAIL_NOT_VERIFIED", "Email not verified"};
    case ApiCode::kEmailMismatch:
      return {400, "EMAIL_MISMATCH", "Email mismatch"};
    case ApiCode::kEmailAlreadyVerified:
      return {400, "EMAIL_ALREADY_VERIFIED", "Email is already verified"};
    case ApiCode::kNotFound:
      return {404, nullptr, nullptr};
    case ApiCode::kInvalidRedirectUrl:
      return {403, "INVALID_REDIRECT_URL", "Invalid redirectURL"};
    case ApiCode::kRedirectUrlNotString:
      return {400, nullptr, "Invalid redirectURL: expected a string"};
    case ApiCode::kHostNotAllowed:
      return {403, "HOST_NOT_ALLOWED", "Host not allowed"};
    case ApiCode::kInternal:
    case ApiCode::kCustom:  // answered by ToWire
      break;
  }
  return {500, "INTERNAL_SERVER_ERROR", "Internal server error"};
}

}  // namespace

WireError ToWire(const ApiError& error) {
  if (error.code == ApiCode::kCustom) {
    nlohmann::ordered_json body = {{"message", error.message}};
    if (!error.wire_code.empty()) body["code"] = error.wire_code;
    return {error.status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  }
  const Entry e = Lookup(error.code);
  if (e.message == nullptr) return {e.status, ""};
  nlohmann::ordered_json body = {{"message", error.message.empty() ? e.message : error.message}};
  if (e.code != nullptr) body["code"] = e.code;
  return {e.status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

ApiError FromError(const Error& error) {
  if (error.code == Errc::kUnavailable) return {ApiCode::kServiceUnavailable, ""};
  return {ApiCode::kInternal, ""};
}

}  // namespace issuer::server
