#pragma once

#include <string>
#include <variant>

#include "server/http/types.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server {

// A new session row for `user_id` (ids and token from Better Auth's generateId), expiring after
// session.expiresIn, or after one day when `remember` is false. Not stored.
storage::SessionRow NewSession(AuthContext& ctx, const std::string& user_id,
                               const HttpRequest& request, bool remember);

// NewSession for `user` once every plugin's BeforeSessionCreate lets it be made (Better Auth's
// session.create.before): a banned user's is refused. The hooks may change `user` (an expired
// ban lifted) and add columns to the session. Not stored. Every path that makes a session for
// a request goes through here.
std::variant<storage::SessionRow, ApiError> StartSession(AuthContext& ctx, storage::UserRow* user,
                                                         const HttpRequest& request, bool remember);

// The signed session_token cookie (Max-Age = session.expiresIn), plus the dont_remember cookie
// when `remember` is false.
void SetSessionCookies(const AuthContext& ctx, const storage::SessionRow& session, bool remember,
                       const Site& site, HttpReply* reply);

// Deletes session_token, session_data and dont_remember (Max-Age=0), as Better Auth does.
void ClearSessionCookies(const Site& site, HttpReply* reply);

// The bearer plugin's after-hook: a reply that sets a session cookie also carries the signed
// token in set-auth-token (and exposes it).
void AddBearerToken(const Site& site, HttpReply* reply);

}  // namespace issuer::server
