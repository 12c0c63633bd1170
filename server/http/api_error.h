#pragma once

#include <string>

#include "common/result.h"

namespace issuer::server {

// Every error ba-issuer answers with, as Better Auth answers it. One table (api_error.cc) holds
// each code's HTTP status, wire code and default message; handlers only name the code.
enum class ApiCode {
  kUnauthorized,                  // 401 UNAUTHORIZED
  kInvalidEmailOrPassword,        // 401 INVALID_EMAIL_OR_PASSWORD
  kInvalidEmail,                  // 400 INVALID_EMAIL (sign-in)
  kUserAlreadyExists,             // 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL
  kFailedToCreateUser,            // 422 FAILED_TO_CREATE_USER
  kPasswordTooShort,              // 400 PASSWORD_TOO_SHORT
  kPasswordTooLong,               // 400 PASSWORD_TOO_LONG
  kValidationError,               // 400 VALIDATION_ERROR, message says which field
  kInvalidJson,                   // 400 BAD_REQUEST "Invalid JSON in request body"
  kUnsupportedMediaType,          // 415 UNSUPPORTED_MEDIA_TYPE, message names the type
  kMissingOrNullOrigin,           // 403 MISSING_OR_NULL_ORIGIN
  kInvalidOrigin,                 // 403 INVALID_ORIGIN
  kCrossSiteNavigationBlocked,    // 403 CROSS_SITE_NAVIGATION_LOGIN_BLOCKED
  kInvalidCallbackUrl,            // 403 INVALID_CALLBACK_URL
  kCallbackUrlNotString,          // 400, no code (as Better Auth)
  kDeferSessionRequired,          // 405 METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED
  kPayloadTooLarge,               // 413 PAYLOAD_TOO_LARGE (a body over 64 KiB)
  kTooManyRequests,               // 429, no code
  kServiceUnavailable,            // 503 SERVICE_UNAVAILABLE (database busy, disk full)
  kInternal,                      // 500 INTERNAL_SERVER_ERROR, never with details
  // Accounts (issue 10)
  kSessionNotFresh,               // 403 SESSION_NOT_FRESH
  kSessionExpired,                // 400 SESSION_EXPIRED (delete-user without password)
  kInvalidToken,                  // 400 INVALID_TOKEN (reset-password)
  kInvalidTokenUnauthorized,      // 401 INVALID_TOKEN (verify-email)
  kInvalidTokenNotFound,          // 404 INVALID_TOKEN (delete-user with a token)
  kTokenExpired,                  // 401 TOKEN_EXPIRED (verify-email)
  kUserNotFound,                  // 400 USER_NOT_FOUND (reset-password)
  kUserNotFoundUnauthorized,      // 401 USER_NOT_FOUND (verify-email)
  kEmailCanNotBeUpdated,          // 400 EMAIL_CAN_NOT_BE_UPDATED
  kBodyMustBeAnObject,            // 400 BODY_MUST_BE_AN_OBJECT
  kNoFieldsToUpdate,              // 400 "No fields to update", no code
  kCredentialAccountNotFound,     // 400 CREDENTIAL_ACCOUNT_NOT_FOUND
  kInvalidPassword,               // 400 INVALID_PASSWORD
  kEmailNotVerified,              // 403 EMAIL_NOT_VERIFIED
  kEmailMismatch,                 // 400 EMAIL_MISMATCH
  kEmailAlreadyVerified,          // 400 EMAIL_ALREADY_VERIFIED
  kNotFound,                      // 404, no body (delete-user when disabled)
  kInvalidRedirectUrl,            // 403 INVALID_REDIRECT_URL (redirectTo)
  kRedirectUrlNotString,          // 400, no code
  // ba-issuer's own (Better Auth has none): DNS rebinding (server/http/host_pin.h)
  kHostNotAllowed,                // 403 HOST_NOT_ALLOWED, message names the Host and the flag
  // A plugin's own error: `status`, `wire_code` (empty: none) and `message` as given.
  kCustom,
};

struct ApiError {
  ApiError(ApiCode c, std::string m) : code(c), message(std::move(m)) {}

  // A plugin's error, as Better Auth's APIError: ApiError::Custom(403, "BANNED_USER", "...").
  static ApiError Custom(int status, std::string wire_code, std::string message) {
    ApiError error(ApiCode::kCustom, std::move(message));
    error.status = status;
    error.wire_code = std::move(wire_code);
    return error;
  }

  ApiCode code;
  std::string message;     // empty: the table's default message
  int status = 0;          // kCustom only
  std::string wire_code;   // kCustom only
};

struct WireError {
  int status;
  std::string body;  // {"message":…,"code":…} (no "code" where Better Auth sends none)
};

// The status and JSON body for an error.
WireError ToWire(const ApiError& error);

// Maps a lower-layer Error: kUnavailable -> 503, anything unexpected -> 500. Messages of
// lower layers are never sent to the client.
ApiError FromError(const Error& error);

}  // namespace issuer::server
