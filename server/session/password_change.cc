// POST /change-password: Better Auth's changePassword.
#include "common/ids.h"
#include "server/auth/password.h"
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/account_endpoints.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

using Found = storage::SessionWithUser;

struct ChangeForm {
  std::string current;
  std::string next;
  bool revoke_others = false;
};

std::optional<ApiError> CheckLengths(const AuthContext& ctx, const ChangeForm& form) {
  const size_t next = auth::Utf16Length(form.next);
  if (next < ctx.config.min_password_length) return ApiError{ApiCode::kPasswordTooShort, ""};
  if (next > ctx.config.max_password_length ||
      auth::Utf16Length(form.current) > ctx.config.max_password_length) {
    return ApiError{ApiCode::kPasswordTooLong, ""};
  }
  return std::nullopt;
}

// The new password's hash once the current one verifies, in Better Auth's order.
std::variant<std::string, ApiError> CheckAndHash(AuthContext& ctx, const std::string& user_id,
                                                 const ChangeForm& form) {
  if (auto error = CheckLengths(ctx, form)) return *error;
  auto stored = CredentialHash(ctx, user_id);
  if (auto* error = std::get_if<ApiError>(&stored)) return *error;
  auto hash = ctx.passwords.Hash(form.next);
  if (!hash.ok()) return FromError(hash.error());
  auto match = ctx.passwords.Verify(form.current, std::get<std::string>(stored));
  if (!match.ok()) return FromError(match.error());
  if (!*match) return ApiError{ApiCode::kInvalidPassword, ""};
  return std::move(*hash);
}

// Checks the passwords and writes the change: the new session when other sessions are revoked
// (every session goes, the current one too, and a new one replaces it, as in Better Auth).
std::variant<std::optional<storage::SessionRow>, ApiError> ApplyChange(AuthContext& ctx,
                                                                       const HttpRequest& request,
                                                                       storage::UserRow user,
                                                                       const ChangeForm& form) {
  const std::string user_id = user.id;
  auto hash = CheckAndHash(ctx, user_id, form);
  if (auto* error = std::get_if<ApiError>(&hash)) return *error;
  storage::PasswordChange change;
  change.user_id = user_id;
  change.password_hash = std::get<std::string>(hash);
  change.now_ms = ctx.clock.NowMs();
  change.revoke_sessions = form.revoke_others;
  change.new_account_id = GenerateId(ctx.random);
  if (form.revoke_others) {
    auto started = StartSession(ctx, &user, request, true);
    if (auto* refused = std::get_if<ApiError>(&started)) return *refused;
    change.new_session = std::move(std::get<storage::SessionRow>(started));
  }
  Status st = ctx.repo.SetPassword(change);
  if (!st.ok()) return LoggedFailure(ctx, st.error());
  ctx.log.Info("password_changed", "user=" + user_id);
  return change.new_session;
}

}  // namespace

HttpReply ChangePassword(AuthContext& ctx, const HttpRequest& request) {
  static const std::vector<FieldSpec> kFields = {
      {"newPassword", FieldType::kString, true},
      {"currentPassword", FieldType::kString, true},
      {"revokeOtherSessions", FieldType::kBoolean, false}};
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto found = StartAccountPost(ctx, request, site, &kFields, &body, &reply);
  if (!found) return reply;
  const Found& session = *found;
  const ChangeForm form{(*body)["currentPassword"], (*body)["newPassword"],
                        body->value("revokeOtherSessions", false)};
  auto changed = ApplyChange(ctx, request, session.user, form);
  if (auto* error = std::get_if<ApiError>(&changed)) return WithError(std::move(reply), *error);
  const auto& rotated = std::get<std::optional<storage::SessionRow>>(changed);
  OrderedJson out = {{"token", nullptr}, {"user", UserJson(session.user)}};
  if (rotated) {
    RenewSessionCookie(ctx, request, site, *rotated, &reply);
    AddBearerToken(site, &reply);
    out["token"] = rotated->token;
  }
  reply.body = Dump(out);
  return reply;
}

}  // namespace issuer::server
