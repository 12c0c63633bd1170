// POST /admin/ban-user, /admin/unban-user, /admin/set-role, /admin/revoke-user-sessions and
// the steps every admin route shares (dist/plugins/admin/routes.mjs).
#include "server/plugins/admin/routes.h"

#include <cmath>

#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server::admin {
namespace {

using storage::FieldType;

const std::vector<ZodField> kUserIdOnly = {{"userId", Zod::kCoercedString}};
const Permission kMayBan = {"ban", "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"};

// {"user": ...} with the cookies the session lookup set.
HttpReply UserAnswer(const AdminPost& in, const storage::UserRow& user, HttpReply reply) {
  reply.body = Dump({{"user", UserJson(user)}});
  AddBearerToken(in.site, &reply);
  return reply;
}

std::string UserIdOf(const AdminPost& in) { return JsString((*in.body)["userId"]); }

// ban-user's banExpires: banExpiresIn, else defaultBanExpiresIn (0 and absent: never).
std::variant<storage::ColumnValue, ApiError> BanExpiry(const AuthContext& ctx,
                                                       const AdminOptions& options,
                                                       const nlohmann::json& body) {
  double seconds = options.default_ban_expires_in_s;
  if (auto it = body.find("banExpiresIn"); it != body.end() && it->get<double>() != 0) {
    seconds = it->get<double>();
  }
  if (seconds == 0) return storage::ColumnValue();
  auto ms = SecondsFromNow(ctx, seconds);
  if (!ms) return ApiError{ApiCode::kInternal, ""};  // Better Auth fails on an invalid date too
  return storage::ColumnValue(*ms);
}

// ban-user's banReason: a non-empty banReason, else defaultBanReason, else "No reason".
std::string BanReason(const AdminOptions& options, const nlohmann::json& body) {
  if (auto it = body.find("banReason"); it != body.end() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  return options.default_ban_reason.empty() ? "No reason" : options.default_ban_reason;
}

// set-role's role: a string, or an array joined with ",".
std::string JoinedRoles(const nlohmann::json& role) {
  if (role.is_string()) return role.get<std::string>();
  std::string out;
  for (const auto& item : role) out += (out.empty() ? "" : ",") + item.get<std::string>();
  return out;
}

}  // namespace

std::optional<AdminPost> StartAdminPost(AuthContext& ctx, const HttpRequest& request,
                                        const std::vector<ZodField>* fields, HttpReply* reply) {
  AdminPost in{SiteOf(ctx.config, request), Body(), {}};
  auto read = ReadAccountBody(ctx, request, in.site, nullptr);
  if (auto* error = std::get_if<ApiError>(&read)) {
    *reply = ErrorReply(*error);
    return std::nullopt;
  }
  in.body = std::move(std::get<Body>(read));
  if (auto error = fields ? ValidateBody(in.body, *fields) : std::nullopt) {
    *reply = ErrorReply(*error);
    return std::nullopt;
  }
  auto found = RequireSession(ctx, request, in.site, SessionRule::kAny, reply);
  if (auto* error = std::get_if<ApiError>(&found)) {
    *reply = error->code == ApiCode::kUnauthorized ? EmptyUnauthorized(std::move(*reply))
                                                   : WithError(std::move(*reply), *error);
    return std::nullopt;
  }
  in.caller = std::move(std::get<storage::SessionWithUser>(found));
  return in;
}

std::variant<storage::UserRow, ApiError> FindTarget(AuthContext& ctx, const std::string& id) {
  auto found = ctx.repo.FindUserById(id);
  if (!found.ok()) return LoggedFailure(ctx, found.error());
  if (!found->has_value()) return UserNotFound();
  return std::move(**found);
}

std::variant<storage::UserRow, ApiError> UpdateUserColumns(AuthContext& ctx, const std::string& id,
                                                           const storage::Row& set) {
  storage::Row columns = set;
  columns.push_back({"updatedAt", ctx.clock.NowMs(), FieldType::kDate});
  auto updated = ctx.repo.UpdateRows("user", {{"id", id}}, columns);
  if (!updated.ok()) return LoggedFailure(ctx, updated.error());
  return FindTarget(ctx, id);
}

std::optional<int64_t> SecondsFromNow(const AuthContext& ctx, double seconds) {
  const double ms = static_cast<double>(ctx.clock.NowMs()) + seconds * 1000;
  if (!std::isfinite(ms) || std::fabs(ms) > 8.64e15) return std::nullopt;  // ECMAScript's range
  return static_cast<int64_t>(ms);  // new Date(x) truncates
}

std::optional<AdminTarget> StartOnUser(AuthContext& ctx, const AdminOptions& options,
                                      const HttpRequest& request,
                                      const std::vector<ZodField>& fields,
                                      const Permission& needed, HttpReply* reply) {
  auto in = StartAdminPost(ctx, request, &fields, reply);
  if (!in) return std::nullopt;
  if (!HasPermission(options, in->caller.user, "user", needed.action)) {
    *reply = WithError(std::move(*reply), AdminError(403, needed.refusal));
    return std::nullopt;
  }
  auto target = FindTarget(ctx, UserIdOf(*in));
  if (auto* error = std::get_if<ApiError>(&target)) {
    *reply = WithError(std::move(*reply), *error);
    return std::nullopt;
  }
  return AdminTarget{std::move(*in), std::move(std::get<storage::UserRow>(target))};
}

HttpReply BanUser(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request) {
  static const std::vector<ZodField> kFields = {{"userId", Zod::kCoercedString},
                                                {"banReason", Zod::kOptionalString},
                                                {"banExpiresIn", Zod::kOptionalNumber}};
  HttpReply reply;
  auto on = StartOnUser(ctx, options, request, kFields, kMayBan, &reply);
  if (!on) return reply;
  const std::string& user_id = on->target.id;
  if (user_id == on->in.caller.user.id) {
    return WithError(std::move(reply), AdminError(400, "YOU_CANNOT_BAN_YOURSELF"));
  }
  auto expires = BanExpiry(ctx, options, *on->in.body);
  if (auto* error = std::get_if<ApiError>(&expires)) return WithError(std::move(reply), *error);
  auto updated = UpdateUserColumns(
      ctx, user_id,
      {{"banned", int64_t{1}, FieldType::kBoolean},
       {"banReason", BanReason(options, *on->in.body), FieldType::kString},
       {"banExpires", std::get<storage::ColumnValue>(expires), FieldType::kDate}});
  if (auto* error = std::get_if<ApiError>(&updated)) return WithError(std::move(reply), *error);
  if (Status st = ctx.repo.DeleteUserSessions(user_id); !st.ok()) {
    return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  }
  ctx.log.Info("admin_ban", "user=" + user_id + " by=" + on->in.caller.user.id);
  return UserAnswer(on->in, std::get<storage::UserRow>(updated), std::move(reply));
}

HttpReply UnbanUser(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request) {
  HttpReply reply;
  auto on = StartOnUser(ctx, options, request, kUserIdOnly, kMayBan, &reply);
  if (!on) return reply;
  auto updated = UpdateUserColumns(ctx, on->target.id,
                                   {{"banned", int64_t{0}, FieldType::kBoolean},
                                    {"banExpires", std::monostate(), FieldType::kDate},
                                    {"banReason", std::monostate(), FieldType::kString}});
  if (auto* error = std::get_if<ApiError>(&updated)) return WithError(std::move(reply), *error);
  ctx.log.Info("admin_unban", "user=" + on->target.id + " by=" + on->in.caller.user.id);
  return UserAnswer(on->in, std::get<storage::UserRow>(updated), std::move(reply));
}

HttpReply SetRole(AuthContext& ctx, const AdminOptions& options, const HttpRequest& request) {
  static const std::vector<ZodField> kFields = {{"userId", Zod::kCoercedString},
                                                {"role", Zod::kRole}};
  static const Permission kMaySetRole = {"set-role", "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"};
  HttpReply reply;
  auto on = StartOnUser(ctx, options, request, kFields, kMaySetRole, &reply);
  if (!on) return reply;
  auto updated = UpdateUserColumns(
      ctx, on->target.id, {{"role", JoinedRoles((*on->in.body)["role"]), FieldType::kString}});
  if (auto* error = std::get_if<ApiError>(&updated)) return WithError(std::move(reply), *error);
  ctx.log.Info("admin_set_role", "user=" + on->target.id + " by=" + on->in.caller.user.id);
  return UserAnswer(on->in, std::get<storage::UserRow>(updated), std::move(reply));
}

HttpReply RevokeUserSessions(AuthContext& ctx, const AdminOptions& options,
                             const HttpRequest& request) {
  HttpReply reply;
  auto in = StartAdminPost(ctx, request, &kUserIdOnly, &reply);
  if (!in) return reply;
  if (!HasPermission(options, in->caller.user, "session", "revoke")) {
    return WithError(std::move(reply),
                     AdminError(403, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"));
  }
  if (Status st = ctx.repo.DeleteUserSessions(UserIdOf(*in)); !st.ok()) {
    return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  }
  reply.body = Dump({{"success", true}});
  AddBearerToken(in->site, &reply);
  return reply;
}

}  // namespace issuer::server::admin
