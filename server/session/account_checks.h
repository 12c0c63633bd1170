#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http/api_error.h"
#include "server/http/request_body.h"
#include "server/http/types.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server {

// The account routes' shared steps, in better-call's order: body (415, JSON), the router's
// origin middleware (cookie Origin, callbackURL, redirectTo), zod, then the route's session
// middleware.

// A JSON body that passed the origin middleware and the zod fields (nullptr: a route with no
// body schema, which takes any body).
std::variant<Body, ApiError> ReadAccountBody(const AuthContext& ctx, const HttpRequest& request,
                                             const Site& site,
                                             const std::vector<FieldSpec>* fields);

// Which session middleware a route uses.
enum class SessionRule {
  kAny,        // sessionMiddleware (and sensitiveSessionMiddleware: ba-issuer has no cookie cache)
  kFresh,      // freshSessionMiddleware: created less than session.freshAge ago
};

// The request's live session, or the error (401 UNAUTHORIZED, 403 SESSION_NOT_FRESH, 5xx).
// The cookies the lookup sets (refresh, deletion) go into `reply` either way.
std::variant<storage::SessionWithUser, ApiError> RequireSession(AuthContext& ctx,
                                                                const HttpRequest& request,
                                                                const Site& site, SessionRule rule,
                                                                HttpReply* reply);

// The password hash of the user's credential account, or 400 CREDENTIAL_ACCOUNT_NOT_FOUND.
std::variant<std::string, ApiError> CredentialHash(AuthContext& ctx, const std::string& user_id);

// The body checks (ReadAccountBody) then the session (kAny) that a POST account route starts
// with: the session, or nullopt when `reply` is already the answer. `body` gets the body.
std::optional<storage::SessionWithUser> StartAccountPost(AuthContext& ctx,
                                                         const HttpRequest& request,
                                                         const Site& site,
                                                         const std::vector<FieldSpec>* fields,
                                                         Body* body, HttpReply* reply);

// Whether the session was made at least session.freshAge ago (never, with freshAge 0).
bool SessionStale(const AuthContext& ctx, const storage::SessionRow& session);

// Sets the session cookie again, keeping the request's dont_remember choice (setSessionCookie).
void RenewSessionCookie(const AuthContext& ctx, const HttpRequest& request, const Site& site,
                        const storage::SessionRow& session, HttpReply* reply);

// A redirect target Better Auth trusts: a trusted origin or a relative path.
bool TrustedTarget(const AuthContext& ctx, const Site& site, const std::string& url);

// `url` resolved against the base URL (new URL(url, baseURL)) with the query parameter
// name=value set (URLSearchParams.set: an existing one is replaced). Relative URLs other than
// absolute paths resolve against the base path's directory, as in WHATWG URL.
std::string WithQueryParam(const AuthContext& ctx, const Site& site, const std::string& url,
                           const std::string& name, const std::string& value);

// The base URL Better Auth builds links from: the site's origin plus the base path.
std::string BaseUrl(const AuthContext& ctx, const Site& site);

// A 302 to `location` (better-call's ctx.redirect), keeping `reply`'s cookies.
HttpReply Redirect(HttpReply reply, const std::string& location);

}  // namespace issuer::server
