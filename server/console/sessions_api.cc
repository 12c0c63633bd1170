// The console's sessions: every session, newest first, and revoking one, a user's or all.
#include <map>

#include "common/time_format.h"
#include "server/console/api_support.h"
#include "server/console/routes.h"
#include "server/http/reply.h"

namespace issuer::server::console {
namespace {

// The users of `sessions`, looked up once each.
Result<std::map<std::string, std::optional<storage::UserRow>>> UsersOf(
    AuthContext& ctx, const std::vector<storage::SessionRow>& sessions) {
  std::map<std::string, std::optional<storage::UserRow>> users;
  for (const storage::SessionRow& s : sessions) {
    if (users.count(s.user_id)) continue;
    auto user = ctx.repo.FindUserById(s.user_id);
    if (!user.ok()) return user.error();
    users.emplace(s.user_id, std::move(*user));
  }
  return users;
}

// The sessions (of `user_id`, or everyone's), newest first, at most `limit` (-1: all).
Result<std::vector<storage::SessionRow>> FindSessions(AuthContext& ctx, const std::string& user_id,
                                                      int64_t limit) {
  std::vector<storage::Where> where;
  if (!user_id.empty()) where.push_back({"userId", user_id});
  auto rows = ctx.repo.FindRows("session", where, {limit, 0, "createdAt", true});
  if (!rows.ok()) return rows.error();
  std::vector<storage::SessionRow> sessions;
  for (storage::Row& row : *rows) sessions.push_back(storage::SessionFromRow(std::move(row)));
  return sessions;
}

HttpReply ListSessions(AuthContext& ctx, const HttpRequest& request) {
  auto limit = LimitOf(request, 200);
  if (!limit) return Invalid("limit: a whole number from 1 to 1000");
  auto sessions = FindSessions(ctx, Query(request, "userId"), *limit);
  if (!sessions.ok()) return Failure(ctx, sessions.error());
  auto users = UsersOf(ctx, *sessions);
  if (!users.ok()) return Failure(ctx, users.error());
  const int64_t now = ctx.clock.NowMs();
  OrderedJson list = OrderedJson::array();
  for (const storage::SessionRow& s : *sessions) {
    list.push_back(SessionSummary(s, users->at(s.user_id), now));
  }
  return JsonReply(Dump({{"sessions", list}, {"now", FormatIsoMs(now)}}));
}

// Deletes `sessions` by token (the store's session cache and secondary storage go with them).
Result<int64_t> Revoke(AuthContext& ctx, const std::vector<storage::SessionRow>& sessions) {
  for (const storage::SessionRow& s : sessions) {
    if (Status st = ctx.repo.DeleteSession(s.token); !st.ok()) return st.error();
  }
  return static_cast<int64_t>(sessions.size());
}

// The sessions a revoke body names: {id} or {all: true} (listed from the session table).
Result<std::vector<storage::SessionRow>> Targets(AuthContext& ctx,
                                                 const std::optional<std::string>& id) {
  if (!id) return FindSessions(ctx, "", -1);
  auto rows = ctx.repo.FindRows("session", {{"id", *id}}, {1, 0, "", false});
  if (!rows.ok()) return rows.error();
  std::vector<storage::SessionRow> found;
  if (!rows->empty()) found.push_back(storage::SessionFromRow(std::move(rows->front())));
  return found;
}

// {userId}: every session of the user, wherever the store keeps them (a secondary storage's
// too, which the session table does not list); the count is of those still live.
Result<int64_t> RevokeUserSessions(AuthContext& ctx, const std::string& user_id) {
  auto live = ctx.repo.ListUserSessions(user_id, ctx.clock.NowMs());
  if (!live.ok()) return live.error();
  if (Status st = ctx.repo.DeleteUserSessions(user_id); !st.ok()) return st.error();
  return static_cast<int64_t>(live->size());
}

HttpReply RevokeSessions(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  const json& in = std::get<json>(body);
  const auto id = TextField(in, "id"), user_id = TextField(in, "userId");
  const bool all = in.contains("all") && in["all"] == true;
  if (int(id.has_value()) + int(user_id.has_value()) + int(all) != 1) {
    return Invalid("expected {\"id\": sessionId}, {\"userId\": userId} or {\"all\": true}");
  }
  Result<int64_t> revoked = int64_t{0};
  if (user_id) {
    revoked = RevokeUserSessions(ctx, *user_id);
  } else {
    auto targets = Targets(ctx, id);
    if (!targets.ok()) return Failure(ctx, targets.error());
    if (id && targets->empty()) {
      return Refused(404, "SESSION_NOT_FOUND", "no session with id " + *id);
    }
    revoked = Revoke(ctx, *targets);
  }
  if (!revoked.ok()) return Failure(ctx, revoked.error());
  ctx.log.Info("console_sessions_revoked", "count=" + std::to_string(*revoked));
  return JsonReply(Dump({{"success", true}, {"revoked", *revoked}}));
}

}  // namespace

void AddSessionRoutes(AuthContext& ctx, std::vector<Route>* routes) {
  static constexpr Endpoint kEndpoints[] = {{"GET", "/__test/sessions", &ListSessions},
                                            {"POST", "/__test/sessions/revoke", &RevokeSessions}};
  AddEndpoints(ctx, kEndpoints, routes);
}

}  // namespace issuer::server::console
