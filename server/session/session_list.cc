// GET /list-sessions, POST /revoke-session, /revoke-sessions, /revoke-other-sessions:
// Better Auth's listSessions, revokeSession, revokeSessions and revokeOtherSessions.
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/account_endpoints.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

using Found = storage::SessionWithUser;

HttpReply StatusReply(HttpReply reply, const Site& site) {
  reply.body = Dump({{"status", true}});
  AddBearerToken(site, &reply);
  return reply;
}

}  // namespace

HttpReply ListSessions(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  auto found = RequireSession(ctx, request, site, SessionRule::kFresh, &reply);
  if (auto* error = std::get_if<ApiError>(&found)) return WithError(std::move(reply), *error);
  auto sessions = ctx.repo.ListUserSessions(std::get<Found>(found).user.id, ctx.clock.NowMs());
  if (!sessions.ok()) return WithError(std::move(reply), LoggedFailure(ctx, sessions.error()));
  OrderedJson out = OrderedJson::array();
  for (const storage::SessionRow& session : *sessions) {
    if (ctx.plugins.SessionListed(session)) out.push_back(SessionJson(session));
  }
  reply.body = Dump(out);
  AddBearerToken(site, &reply);
  return reply;
}

HttpReply RevokeSession(AuthContext& ctx, const HttpRequest& request) {
  static const std::vector<FieldSpec> kFields = {{"token", FieldType::kString, true}};
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto found = StartAccountPost(ctx, request, site, &kFields, &body, &reply);
  if (!found) return reply;
  const std::string token = (*body)["token"].get<std::string>();
  auto target = ctx.repo.FindSessionWithUser(token);
  if (!target.ok()) return WithError(std::move(reply), LoggedFailure(ctx, target.error()));
  if (target->has_value() && (*target)->session.user_id == found->user.id) {
    Status st = ctx.repo.DeleteSession(token);
    if (!st.ok()) return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  }
  if (token == found->session.token) ClearSessionCookies(site, &reply);
  return StatusReply(std::move(reply), site);
}

HttpReply RevokeSessions(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto found = StartAccountPost(ctx, request, site, nullptr, &body, &reply);
  if (!found) return reply;
  Status st = ctx.repo.DeleteUserSessions(found->user.id);
  if (!st.ok()) return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  ClearSessionCookies(site, &reply);
  return StatusReply(std::move(reply), site);
}

HttpReply RevokeOtherSessions(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto found = StartAccountPost(ctx, request, site, nullptr, &body, &reply);
  if (!found) return reply;
  Status st = ctx.repo.DeleteOtherSessions(found->user.id, found->session.token, ctx.clock.NowMs());
  if (!st.ok()) return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  return StatusReply(std::move(reply), site);
}

}  // namespace issuer::server
