#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http/api_error.h"
#include "server/http/request_body.h"
#include "server/http/types.h"
#include "server/session/context.h"

namespace issuer::server {

// The zod schemas of the sign-up and sign-in bodies, in Better Auth's field order.
const std::vector<FieldSpec>& SignUpFields();
const std::vector<FieldSpec>& SignInFields();

// The router's origin middleware: the cookie origin check, then callbackURL (when `body`).
// Off with NODE_ENV=test, as in Better Auth.
std::optional<ApiError> CheckOrigins(const AuthContext& ctx, const HttpRequest& request,
                                     const Site& site, const nlohmann::json* body);

// Sign-in and sign-up, in Better Auth's order: origin middleware, zod validation of the body,
// then the login CSRF check.
std::optional<ApiError> CheckLoginRequest(const AuthContext& ctx, const HttpRequest& request,
                                          const Site& site, const Body& body, bool sign_up);
// CheckLoginRequest after the origin middleware (sign-up runs the plugins' before-hooks between).
std::optional<ApiError> CheckLoginFields(const AuthContext& ctx, const HttpRequest& request,
                                         const Site& site, const Body& body, bool sign_up);

// rememberMe, defaulting to true (a non-boolean never gets here: zod refuses it).
bool Remember(const nlohmann::json& body);

// A string member of the body, or nullopt.
std::optional<std::string> OptionalString(const nlohmann::json& body, const char* name);

}  // namespace issuer::server
