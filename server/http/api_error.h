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
};

struct ApiError {
  ApiCode code;
  std::string message;  // empty: the table's default message
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
