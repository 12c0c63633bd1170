#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/http/request_body.h"
#include "server/http/types.h"
#include "server/plugins/admin/options.h"
#include "server/plugins/admin/wire.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server::admin {

// The admin routes (Better Auth's dist/plugins/admin/routes.mjs), one function each: parse,
// check, act, answer. `options` are the plugin's.
HttpReply BanUser(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request);
HttpReply UnbanUser(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request);
HttpReply SetRole(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request);
HttpReply RevokeUserSessions(AuthContext& ctx, const AdminOptions& options,
                             const HttpRequest& request);
HttpReply ListUsers(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request);
HttpReply ImpersonateUser(AuthContext& ctx, const AdminOptions& options,
                          const HttpRequest& request);
HttpReply StopImpersonating(AuthContext& ctx, const AdminOptions& options,
                            const HttpRequest& request);

// What an admin POST route has once its body, zod schema and session (adminMiddleware) passed.
struct AdminPost {
  Site site;
  Body body;
  storage::SessionWithUser caller;
};
// The body (415, JSON, origin checks), `fields` (zod; nullptr: no body schema), then the session: nullopt when `reply`
// already is the answer (401 with an empty body without a session, as adminMiddleware).
std::optional<AdminPost> StartAdminPost(AuthContext& ctx, const HttpRequest& request,
                                        const std::vector<ZodField>* fields, HttpReply* reply);

// A user action the caller needs, and the admin code that refuses it.
struct Permission {
  const char* action;   // on resource "user": "ban", "set-role", "impersonate", ...
  const char* refusal;  // e.g. "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS" (403)
};
// What a route on one user has: the request and the user that body.userId names.
struct AdminTarget {
  AdminPost in;
  storage::UserRow target;
};
// StartAdminPost, the caller's permission (`needed`), then the user body.userId names (its
// String(value), as z.coerce.string reads it): nullopt when `reply` already is the answer.
std::optional<AdminTarget> StartOnUser(AuthContext& ctx, const AdminOptions& options,
                                      const HttpRequest& request,
                                      const std::vector<ZodField>& fields,
                                      const Permission& needed, HttpReply* reply);

// The user with this id, or 404 USER_NOT_FOUND (5xx on a store failure).
std::variant<storage::UserRow, ApiError> FindTarget(AuthContext& ctx, const std::string& id);

// Writes `set` to the user's row and reads it back (internalAdapter.updateUser).
std::variant<storage::UserRow, ApiError> UpdateUserColumns(AuthContext& ctx, const std::string& id,
                                                           const storage::Row& set);

// Unix milliseconds `seconds` after now, as Better Auth's getDate(span, "sec") (truncated);
// nullopt when it is no valid date.
std::optional<int64_t> SecondsFromNow(const AuthContext& ctx, double seconds);

// The user columns the plugin declares, with their types.
const storage::FieldTypes& AdminUserTypes();

}  // namespace issuer::server::admin
