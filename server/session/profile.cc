// POST /update-user, GET /list-accounts, POST /delete-user: Better Auth's updateUser,
// listUserAccounts and deleteUser.
#include "common/time_format.h"
#include "server/auth/password.h"
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/account_endpoints.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

using Found = storage::SessionWithUser;
using nlohmann::json;

// name and image applied to `user`; false when the body names neither (additional fields are
// not configured, so Better Auth drops every other key).
bool ApplyProfile(const json& body, storage::UserRow* user) {
  bool changed = false;
  if (auto it = body.find("name"); it != body.end() && it->is_string()) {
    user->name = it->get<std::string>();
    changed = true;
  }
  if (auto it = body.find("image"); it != body.end() && (it->is_string() || it->is_null())) {
    user->image = it->is_null() ? std::nullopt : std::optional(it->get<std::string>());
    changed = true;
  }
  return changed;
}

OrderedJson AccountJson(const storage::ListedAccount& listed) {
  const storage::AccountRow& a = listed.row;
  OrderedJson scopes = OrderedJson::array();
  if (listed.scope) {
    std::string rest = *listed.scope;
    for (size_t at; !rest.empty(); rest = at == std::string::npos ? "" : rest.substr(at + 1)) {
      at = rest.find_first_of(", ");
      if (at != 0) scopes.push_back(rest.substr(0, at));
    }
  }
  return {{"accountId", a.account_id},
          {"providerId", a.provider_id},
          {"userId", a.user_id},
          {"createdAt", FormatIsoMs(a.created_at_ms)},
          {"updatedAt", FormatIsoMs(a.updated_at_ms)},
          {"id", a.id},
          {"scopes", scopes}};
}

}  // namespace

HttpReply UpdateUser(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  auto read = ReadAccountBody(ctx, request, site, nullptr);
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  Body body = std::get<Body>(read);
  if (body) {
    if (auto refused = ctx.plugins.BeforeRoute(ctx, "/update-user", request, &*body)) {
      return ErrorReply(*refused);
    }
  }
  if (auto error = ValidateRecord(body)) return ErrorReply(*error);
  HttpReply reply;
  auto found = RequireSession(ctx, request, site, SessionRule::kAny, &reply);
  if (auto* error = std::get_if<ApiError>(&found)) return WithError(std::move(reply), *error);
  if (auto it = body->find("email"); it != body->end() && Truthy(*it)) {
    return WithError(std::move(reply), {ApiCode::kEmailCanNotBeUpdated, ""});
  }
  storage::UserRow user = std::get<Found>(found).user;
  storage::Row plugin_fields;  // a plugin's columns (username), written after the profile
  if (auto refused = ctx.plugins.BeforeUserUpdate(ctx, *body, user, &plugin_fields)) {
    return WithError(std::move(reply), *refused);
  }
  if (!ApplyProfile(*body, &user) && plugin_fields.empty()) {
    return WithError(std::move(reply), {ApiCode::kNoFieldsToUpdate, ""});
  }
  user.updated_at_ms = ctx.clock.NowMs();
  Status st = ctx.repo.UpdateUser(user);
  if (st.ok() && !plugin_fields.empty()) {
    auto updated = ctx.repo.UpdateRows("user", {{"id", user.id}}, plugin_fields);
    if (!updated.ok()) st = updated.error();
  }
  if (!st.ok()) return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  RenewSessionCookie(ctx, request, site, std::get<Found>(found).session, &reply);
  AddBearerToken(site, &reply);
  reply.body = Dump({{"status", true}});
  return reply;
}

HttpReply ListAccounts(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  auto found = RequireSession(ctx, request, site, SessionRule::kAny, &reply);
  if (auto* error = std::get_if<ApiError>(&found)) return WithError(std::move(reply), *error);
  auto accounts = ctx.repo.ListAccounts(std::get<Found>(found).user.id);
  if (!accounts.ok()) return WithError(std::move(reply), LoggedFailure(ctx, accounts.error()));
  OrderedJson out = OrderedJson::array();
  for (const storage::ListedAccount& account : *accounts) out.push_back(AccountJson(account));
  reply.body = Dump(out);
  AddBearerToken(site, &reply);
  return reply;
}

namespace {

// delete-user's password check: nullopt when it matches.
std::optional<ApiError> CheckDeletePassword(AuthContext& ctx, const std::string& user_id,
                                            const std::string& password) {
  if (auth::Utf16Length(password) > ctx.config.max_password_length) {
    return ApiError{ApiCode::kPasswordTooLong, ""};
  }
  auto hash = CredentialHash(ctx, user_id);
  if (auto* error = std::get_if<ApiError>(&hash)) return *error;
  auto match = ctx.passwords.Verify(password, std::get<std::string>(hash));
  if (!match.ok()) return FromError(match.error());
  if (!*match) return ApiError{ApiCode::kInvalidPassword, ""};
  return std::nullopt;
}

}  // namespace

namespace {

// What Better Auth checks before deleting, in its order: the password if given, then a
// delete-account token (never issued by ba-issuer, so none is valid), else the session's age.
std::optional<ApiError> CheckDeleteAllowed(AuthContext& ctx, const storage::SessionWithUser& session,
                                           const nlohmann::json& body) {
  const std::string password = body.value("password", "");
  if (!password.empty()) {
    if (auto error = CheckDeletePassword(ctx, session.user.id, password)) return error;
  }
  if (!body.value("token", "").empty()) return ApiError{ApiCode::kInvalidTokenNotFound, ""};
  if (password.empty() && SessionStale(ctx, session.session)) {
    return ApiError{ApiCode::kSessionExpired, ""};
  }
  return std::nullopt;
}

// user.deleteUser.enabled off: better-call's empty 404, which keeps the JSON content type.
HttpReply DeleteDisabled(HttpReply reply) {
  HttpReply off = WithError(std::move(reply), {ApiCode::kNotFound, ""});
  off.AddHeader("Content-Type", "application/json");
  return off;
}

}  // namespace

HttpReply DeleteUser(AuthContext& ctx, const HttpRequest& request) {
  static const std::vector<FieldSpec> kFields = {{"callbackURL", FieldType::kString, false},
                                                 {"password", FieldType::kString, false},
                                                 {"token", FieldType::kString, false}};
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto found = StartAccountPost(ctx, request, site, &kFields, &body, &reply);
  if (!found) return reply;
  if (!ctx.config.delete_user_enabled) return DeleteDisabled(std::move(reply));
  if (auto error = CheckDeleteAllowed(ctx, *found, *body)) return WithError(std::move(reply), *error);
  Status st = ctx.repo.DeleteUser(found->user.id);
  if (!st.ok()) return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  ctx.log.Info("user_deleted", "user=" + found->user.id);
  ClearSessionCookies(site, &reply);
  reply.body = Dump({{"success", true}, {"message", "User deleted"}});
  return reply;
}

}  // namespace issuer::server
