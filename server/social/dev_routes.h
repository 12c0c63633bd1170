#pragma once

#include <vector>

#include "server/http/route.h"
#include "server/session/context.h"
#include "server/social/dev_provider.h"

namespace issuer::server::social {

// The dev provider's endpoints under /__dev-oauth (--dev-oauth): the OpenID discovery
// document, authorize (a login page listing its users, or at once for the user the test API
// selected), token, userinfo and jwks. Loopback clients only (others get 404), as the test API.
std::vector<Route> DevOAuthRoutes(AuthContext& ctx, DevProvider& provider);

// With --test-api: POST /__test/dev-oauth/users {email, name?, emailVerified?, select?}
// (select: authorize then signs this user in without its page), DELETE
// /__test/dev-oauth/select, and POST /__test/dev-oauth/clients {clientId, clientSecret,
// redirectURIs} (a client such as a Better Auth server's genericOAuth).
std::vector<Route> DevOAuthTestRoutes(AuthContext& ctx, DevProvider& provider);

// The issuer the dev provider names for a request: its site's origin + "/__dev-oauth".
std::string DevIssuer(const AuthContext& ctx, const HttpRequest& request);

}  // namespace issuer::server::social
