// POST /admin/impersonate-user and /admin/stop-impersonating: a session of another user for an
// admin, the admin's own session kept in Better Auth's signed admin_session cookie.
#include "server/auth/signed_value.h"
#include "server/http/cookies.h"
#include "server/http/reply.h"
#include "server/plugins/admin/routes.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"
#include "server/session/resolve.h"
#include "server/session/session_cookies.h"

namespace issuer::server::admin {
namespace {

using storage::FieldType;

constexpr char kAdminCookie[] = "admin_session";

// The admin's own session, for stop-impersonating: "<token>:<dont_remember value or ''>",
// signed, with the session cookie's attributes.
void SetAdminCookie(AuthContext& ctx, const AdminPost& in, const HttpRequest& request,
                    HttpReply* reply) {
  auto credential = ReadCredential(ctx, request, in.site);
  const bool dont_remember = credential && credential->dont_remember;
  const std::string value =
      in.caller.session.token + ":" + (dont_remember ? "true" : "");
  reply->AddHeader("Set-Cookie",
                   SetCookieValue(CookieName(kAdminCookie, in.site.secure),
                                  auth::EncodeUriComponent(
                                      auth::SignValue(value, ctx.secrets.cookie_secret)),
                                  ctx.config.session_expires_in_s, in.site.secure));
}

void ExpireCookie(const Site& site, const char* suffix, HttpReply* reply) {
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName(suffix, site.secure), "", 0,
                                                site.secure));
}

// The impersonation session: made as any session is (a banned target is refused), lasting
// impersonationSessionDuration, marked with the admin's id.
std::variant<storage::SessionRow, ApiError> ImpersonationSession(AuthContext& ctx,
                                                                 const AdminOptions& options,
                                                                 const AdminPost& in,
                                                                 storage::UserRow target,
                                                                 const HttpRequest& request) {
  auto expires = SecondsFromNow(ctx, options.impersonation_session_duration_s);
  if (!expires) return ApiError{ApiCode::kInternal, ""};
  auto started = StartSession(ctx, &target, request, /*remember=*/false);
  if (auto* error = std::get_if<ApiError>(&started)) return *error;
  storage::SessionRow session = std::move(std::get<storage::SessionRow>(started));
  session.expires_at_ms = *expires;
  session.extra.push_back({"impersonatedBy", in.caller.user.id, FieldType::kString});
  Status st = ctx.repo.InsertSession(session);
  if (!st.ok()) return LoggedFailure(ctx, st.error());
  return session;
}

// Which check to apply for a target who counts as an admin.
std::optional<ApiError> CheckTarget(const AdminOptions& options, const storage::UserRow& caller,
                                    const storage::UserRow& target) {
  if (!CountsAsAdmin(options, target)) return std::nullopt;
  if (options.allow_impersonating_admins ||
      HasPermission(options, caller, "user", "impersonate-admins")) {
    return std::nullopt;
  }
  return AdminError(403, "YOU_CANNOT_IMPERSONATE_ADMINS");
}

// The admin's session named by the admin_session cookie, with whether it was a
// dont-remember one; 500 "Failed to find admin session" as Better Auth answers otherwise.
struct AdminSession {
  storage::SessionWithUser found;
  bool dont_remember = false;
};
std::variant<AdminSession, ApiError> ReadAdminSession(AuthContext& ctx, const HttpRequest& request,
                                                      const Site& site,
                                                      const std::string& admin_id) {
  const ApiError missing = StatusOnly(500, "Failed to find admin session");
  const auto cookies = request.Header("cookie");
  if (!cookies) return missing;
  auto raw = FindCookie(*cookies, CookieName(kAdminCookie, site.secure));
  auto value = raw ? auth::VerifySignedValue(*raw, ctx.secrets.cookie_secret) : std::nullopt;
  if (!value) return missing;
  const size_t colon = value->find(':');
  const std::string token = value->substr(0, colon);
  std::string flag = colon == std::string::npos ? "" : value->substr(colon + 1);
  flag = flag.substr(0, flag.find(':'));  // split(":")'s second part
  auto found = ctx.repo.FindSessionWithUser(token);
  if (!found.ok()) return LoggedFailure(ctx, found.error());
  if (!found->has_value() || (*found)->session.user_id != admin_id) return missing;
  return AdminSession{std::move(**found), !flag.empty()};
}

std::optional<std::string> ImpersonatorOf(const storage::SessionRow& session) {
  const storage::ColumnValue* by = storage::FindColumn(session.extra, "impersonatedBy");
  const auto* text = by ? std::get_if<std::string>(by) : nullptr;
  if (text == nullptr || text->empty()) return std::nullopt;
  return *text;
}

HttpReply SessionAnswer(const Site& site, const storage::SessionRow& session,
                        const storage::UserRow& user, HttpReply reply) {
  reply.body = Dump({{"session", SessionJson(session)}, {"user", UserJson(user)}});
  AddBearerToken(site, &reply);
  return reply;
}

}  // namespace

HttpReply ImpersonateUser(AuthContext& ctx, const AdminOptions& options,
                          const HttpRequest& request) {
  static const std::vector<ZodField> kFields = {{"userId", Zod::kCoercedString}};
  static const Permission kMayImpersonate = {"impersonate",
                                             "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"};
  HttpReply reply;
  auto on = StartOnUser(ctx, options, request, kFields, kMayImpersonate, &reply);
  if (!on) return reply;
  const AdminPost* in = &on->in;
  const storage::UserRow& user = on->target;
  if (auto refused = CheckTarget(options, in->caller.user, user)) {
    return WithError(std::move(reply), *refused);
  }
  auto session = ImpersonationSession(ctx, options, *in, user, request);
  if (auto* error = std::get_if<ApiError>(&session)) return WithError(std::move(reply), *error);
  ctx.log.Info("admin_impersonate", "user=" + user.id + " by=" + in->caller.user.id);
  ClearSessionCookies(in->site, &reply);
  SetAdminCookie(ctx, *in, request, &reply);
  const auto& made = std::get<storage::SessionRow>(session);
  SetSessionCookies(ctx, made, /*remember=*/false, in->site, &reply);
  return SessionAnswer(in->site, made, user, std::move(reply));
}

HttpReply StopImpersonating(AuthContext& ctx, const AdminOptions& /*options*/,
                            const HttpRequest& request) {
  HttpReply reply;
  auto in = StartAdminPost(ctx, request, nullptr, &reply);  // no body schema
  if (!in) return reply;
  auto impersonator = ImpersonatorOf(in->caller.session);
  if (!impersonator) {
    return WithError(std::move(reply), StatusOnly(400, "You are not impersonating anyone"));
  }
  auto admin = ctx.repo.FindUserById(*impersonator);
  if (!admin.ok()) return WithError(std::move(reply), LoggedFailure(ctx, admin.error()));
  if (!admin->has_value()) {
    return WithError(std::move(reply), StatusOnly(500, "Failed to find user"));
  }
  auto own = ReadAdminSession(ctx, request, in->site, (*admin)->id);
  if (auto* error = std::get_if<ApiError>(&own)) return WithError(std::move(reply), *error);
  const AdminSession& back = std::get<AdminSession>(own);
  if (Status st = ctx.repo.DeleteSession(in->caller.session.token); !st.ok()) {
    return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  }
  SetSessionCookies(ctx, back.found.session, !back.dont_remember, in->site, &reply);
  auto credential = ReadCredential(ctx, request, in->site);
  if (!back.dont_remember && credential && credential->dont_remember) {
    ExpireCookie(in->site, "dont_remember", &reply);  // setSessionCookie drops the old flag
  }
  ExpireCookie(in->site, kAdminCookie, &reply);
  return SessionAnswer(in->site, back.found.session, back.found.user, std::move(reply));
}

}  // namespace issuer::server::admin
