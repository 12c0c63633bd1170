// POST /get-access-token, POST /refresh-token and GET /account-info (Better Auth's account.mjs
// getAccessToken, refreshToken, accountInfo): a signed-in user's provider tokens, refreshed at
// the provider when needed, and what the provider says of the user.
#include <variant>

#include "common/time_format.h"
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/session_cookies.h"
#include "server/social/accounts.h"
#include "server/social/dev_routes.h"
#include "server/social/exchange.h"
#include "server/social/oauth_url.h"
#include "server/social/social.h"

namespace issuer::server::social {
namespace {

using nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using storage::ExtraColumn;
using storage::FieldType;

// Better Auth refreshes an access token that expires within 5 s.
constexpr int64_t kRefreshMarginMs = 5000;

std::optional<int64_t> Millis(const storage::Row& row, std::string_view name) {
  const storage::ColumnValue* value = storage::FindColumn(row, name);
  const int64_t* ms = value == nullptr ? nullptr : std::get_if<int64_t>(value);
  if (ms == nullptr) return std::nullopt;
  return *ms;
}

// accountSelectionSchema: {accountId, userId?} or {useAccountCookie: true, userId?}, strict.
std::optional<ApiError> CheckSelection(const json& body, const char* where) {
  const std::string at = std::string("[") + where + "] ";
  if (!body.is_object()) return ApiError{ApiCode::kValidationError, at + "Invalid input"};
  const bool by_id = body.contains("accountId") && body["accountId"].is_string();
  const bool by_cookie = body.contains("useAccountCookie") && body["useAccountCookie"] == true;
  if (body.contains("userId") && !body["userId"].is_string()) {
    return ApiError{ApiCode::kValidationError, at + "Invalid input"};
  }
  if (!by_id && !by_cookie) return ApiError{ApiCode::kValidationError, at + "Invalid input"};
  for (const auto& [key, value] : body.items()) {
    if (key == "userId" || key == (by_id ? "accountId" : "useAccountCookie")) continue;
    return ApiError{ApiCode::kValidationError, at + "Unrecognized key: \"" + key + "\""};
  }
  return std::nullopt;
}

// A selected account of the signed-in user.
struct Selected {
  storage::Row row;
  std::string id;
  const ProviderSpec* spec = nullptr;  // nullptr: its provider is not configured
};

// The request's steps up to the account: the selection (`where`: "body" or "query"), the
// session (401, no body), the account among the user's (ACCOUNT_NOT_FOUND; useAccountCookie
// always, as ba-issuer stores no account cookie). `reply` gets the session lookup's cookies.
std::variant<Selected, HttpReply> SelectAccount(SocialService& s, const HttpRequest& request,
                                                const Site& site, const json& selection,
                                                const char* where, HttpReply* reply) {
  if (auto refused = CheckSelection(selection, where)) return ErrorReply(*refused);
  auto found = RequireSession(s.ctx, request, site, SessionRule::kAny, reply);
  if (auto* error = std::get_if<ApiError>(&found)) {
    if (error->code != ApiCode::kUnauthorized) return WithError(std::move(*reply), *error);
    reply->status = 401;  // ctx.error("UNAUTHORIZED"): no body
    reply->body.clear();
    return std::move(*reply);
  }
  const storage::SessionWithUser& session = std::get<storage::SessionWithUser>(found);
  const ApiError not_found = ApiError::Custom(400, "ACCOUNT_NOT_FOUND", "Account not found");
  if (!selection.contains("accountId")) return WithError(std::move(*reply), not_found);
  const std::string id = selection["accountId"];
  auto rows = s.ctx.repo.FindRows("account", {{"id", id}, {"userId", session.user.id}});
  if (!rows.ok()) return WithError(std::move(*reply), LoggedFailure(s.ctx, rows.error()));
  if (rows->empty()) return WithError(std::move(*reply), not_found);
  Selected out{std::move(rows->front()), id, nullptr};
  out.spec = s.providers.Find(TextColumn(out.row, "providerId").value_or(""));
  return out;
}

// SelectAccount for a POST whose body is the selection.
std::variant<Selected, HttpReply> SelectFromBody(SocialService& s, const HttpRequest& request,
                                                 HttpReply* reply) {
  const Site site = SiteOf(s.ctx.config, request);
  auto read = ReadAccountBody(s.ctx, request, site, nullptr);
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  return SelectAccount(s, request, site, std::get<Body>(read).value_or(json()), "body", reply);
}

ApiError NotSupported(const Selected& a) {
  return ApiError::Custom(400, "PROVIDER_NOT_SUPPORTED",
                          "Provider " + TextColumn(a.row, "providerId").value_or("") + " is not supported.");
}

// The provider's answer to the account's refresh token, written to the account as Better Auth
// writes it (scope left alone; a refresh token or expiry the answer lacks kept).
struct Refreshed {
  OAuthTokens tokens;
  std::string refresh_token;  // in clear: the new one, else the old one
  std::optional<int64_t> refresh_expires_at_ms;
  std::optional<std::string> id_token;
};

Result<Refreshed> RefreshAccount(SocialService& s, const HttpRequest& request, const Selected& a,
                                 const std::string& refresh_token) {
  auto endpoints = s.providers.Resolve(*a.spec, DevIssuer(s.ctx, request));
  if (!endpoints.ok()) return endpoints.error();
  auto opened = OpenOAuthToken(s, refresh_token);
  if (!opened.ok()) return opened.error();
  auto tokens = RefreshTokens(s.http, *a.spec, *endpoints, *opened, s.ctx.clock.NowMs());
  if (!tokens) return Error{Errc::kUnavailable, "the provider refused the refresh"};
  // Better Auth's `||` and `??`: an empty or missing refresh token or id_token keeps the stored
  // one; a missing expiry is not written (its adapter drops undefined fields).
  if (tokens->refresh_token && tokens->refresh_token->empty()) tokens->refresh_token.reset();
  if (tokens->id_token && tokens->id_token->empty()) tokens->id_token.reset();
  Refreshed out{*tokens, tokens->refresh_token.value_or(*opened),
                tokens->refresh_expires_at_ms ? tokens->refresh_expires_at_ms
                                              : Millis(a.row, "refreshTokenExpiresAt"),
                tokens->id_token ? tokens->id_token : TextColumn(a.row, "idToken")};
  auto access = SealOAuthToken(s, tokens->access_token);
  if (!access.ok()) return access.error();
  auto refresh = tokens->refresh_token ? SealOAuthToken(s, tokens->refresh_token)
                                       : Result<std::optional<std::string>>(refresh_token);
  if (!refresh.ok()) return refresh.error();
  storage::Row set = {ExtraColumn{"accessToken", **access, FieldType::kString},
                      ExtraColumn{"refreshToken", **refresh, FieldType::kString}};
  if (tokens->access_expires_at_ms) {
    set.push_back({"accessTokenExpiresAt", *tokens->access_expires_at_ms, FieldType::kDate});
  }
  if (out.refresh_expires_at_ms) {
    set.push_back({"refreshTokenExpiresAt", *out.refresh_expires_at_ms, FieldType::kDate});
  }
  if (out.id_token) set.push_back({"idToken", *out.id_token, FieldType::kString});
  set.push_back({"updatedAt", s.ctx.clock.NowMs(), FieldType::kDate});
  auto changed = s.ctx.repo.UpdateRows("account", {{"id", a.id}}, set);
  if (!changed.ok()) return changed.error();
  return out;
}

void PutDate(OrderedJson* out, const char* name, const std::optional<int64_t>& ms) {
  if (ms) (*out)[name] = FormatIsoMs(*ms);
}

// getValidAccessToken: the stored access token (opened), refreshed at the provider first when
// it expires within 5 s and a refresh token is stored.
struct ValidToken {
  std::string access_token;
  std::optional<int64_t> expires_at_ms;
  std::optional<std::string> id_token;
};

Result<ValidToken> ValidAccessToken(SocialService& s, const HttpRequest& request, const Selected& a) {
  const auto expires = Millis(a.row, "accessTokenExpiresAt");
  const auto refresh_token = TextColumn(a.row, "refreshToken");
  if (refresh_token && !refresh_token->empty() && expires &&
      *expires - s.ctx.clock.NowMs() < kRefreshMarginMs) {
    auto refreshed = RefreshAccount(s, request, a, *refresh_token);
    if (!refreshed.ok()) return refreshed.error();
    const auto& fresh = refreshed->tokens.access_expires_at_ms;
    return ValidToken{*refreshed->tokens.access_token, fresh ? fresh : expires, refreshed->id_token};
  }
  auto access = OpenOAuthToken(s, TextColumn(a.row, "accessToken").value_or(""));
  if (!access.ok()) return access.error();
  return ValidToken{*access, expires, TextColumn(a.row, "idToken")};
}

}  // namespace

HttpReply GetAccessToken(SocialService& s, const HttpRequest& request) {
  HttpReply reply = JsonReply("");
  auto selected = SelectFromBody(s, request, &reply);
  if (auto* done = std::get_if<HttpReply>(&selected)) return std::move(*done);
  const Selected& a = std::get<Selected>(selected);
  if (a.spec == nullptr) return WithError(std::move(reply), NotSupported(a));
  auto token = ValidAccessToken(s, request, a);
  if (!token.ok()) {
    return WithError(std::move(reply), ApiError::Custom(400, "FAILED_TO_GET_ACCESS_TOKEN",
                                                        "Failed to get a valid access token"));
  }
  OrderedJson out = {{"accessToken", token->access_token}};
  PutDate(&out, "accessTokenExpiresAt", token->expires_at_ms);
  out["scopes"] = SplitStoredScopes(TextColumn(a.row, "scope").value_or(""));
  if (token->id_token) out["idToken"] = *token->id_token;
  reply.body = out.dump();
  return reply;
}

// GET /account-info?accountId=: what the provider says of the account's user now.
HttpReply AccountInfo(SocialService& s, const HttpRequest& request) {
  HttpReply reply = JsonReply("");
  json selection = json::object();
  for (const auto& [name, value] : request.query) selection[name] = value;
  auto selected = SelectAccount(s, request, SiteOf(s.ctx.config, request), selection, "query", &reply);
  if (auto* done = std::get_if<HttpReply>(&selected)) return std::move(*done);
  const Selected& a = std::get<Selected>(selected);
  if (a.spec == nullptr) {
    return WithError(std::move(reply),
                     ApiError::Custom(400, "PROVIDER_NOT_CONFIGURED",
                                      "Account is not associated with a configured social provider."));
  }
  auto token = ValidAccessToken(s, request, a);
  if (!token.ok()) {
    return WithError(std::move(reply), ApiError::Custom(400, "FAILED_TO_GET_ACCESS_TOKEN",
                                                        "Failed to get a valid access token"));
  }
  if (token->access_token.empty()) {
    return WithError(std::move(reply),
                     ApiError::Custom(400, "ACCESS_TOKEN_NOT_FOUND", "Access token not found"));
  }
  auto endpoints = s.providers.Resolve(*a.spec, DevIssuer(s.ctx, request));
  std::variant<OAuthProfile, std::string> info = std::string("unavailable");
  if (endpoints.ok()) {
    OAuthTokens tokens;
    tokens.access_token = token->access_token;
    tokens.id_token = token->id_token;
    info = ReadUserInfo(s.http, *a.spec, *endpoints, tokens, s.ctx.clock.NowMs());
  }
  if (std::holds_alternative<std::string>(info)) {
    return WithError(std::move(reply), ApiError::Custom(401, "FAILED_TO_GET_USER_INFO",
                                                        "Failed to get user info"));
  }
  const OAuthProfile& profile = std::get<OAuthProfile>(info);
  OrderedJson out = {{"user", profile.user}, {"data", profile.data}};
  out["account"] = {{"id", a.id},
                    {"providerId", TextColumn(a.row, "providerId").value_or("")},
                    {"accountId", TextColumn(a.row, "accountId").value_or("")}};
  reply.body = out.dump();
  return reply;
}

HttpReply RefreshToken(SocialService& s, const HttpRequest& request) {
  HttpReply reply = JsonReply("");
  auto selected = SelectFromBody(s, request, &reply);
  if (auto* done = std::get_if<HttpReply>(&selected)) return std::move(*done);
  const Selected& a = std::get<Selected>(selected);
  if (a.spec == nullptr) return WithError(std::move(reply), NotSupported(a));
  const auto refresh_token = TextColumn(a.row, "refreshToken");
  if (!refresh_token || refresh_token->empty()) {
    return WithError(std::move(reply), ApiError::Custom(400, "REFRESH_TOKEN_NOT_FOUND",
                                                        "Refresh token not found"));
  }
  auto refreshed = RefreshAccount(s, request, a, *refresh_token);
  if (!refreshed.ok()) {
    return WithError(std::move(reply), ApiError::Custom(400, "FAILED_TO_REFRESH_ACCESS_TOKEN",
                                                        "Failed to refresh access token"));
  }
  OrderedJson out = {{"accessToken", *refreshed->tokens.access_token},
                     {"refreshToken", refreshed->refresh_token}};
  // As Better Auth answers: an unknown access expiry left out; the rest null when unknown.
  PutDate(&out, "accessTokenExpiresAt", refreshed->tokens.access_expires_at_ms);
  out["refreshTokenExpiresAt"] = nullptr;
  PutDate(&out, "refreshTokenExpiresAt", refreshed->refresh_expires_at_ms);
  out["scope"] = nullptr;
  if (auto scope = TextColumn(a.row, "scope")) out["scope"] = *scope;
  out["idToken"] = nullptr;
  if (refreshed->id_token) out["idToken"] = *refreshed->id_token;
  out["providerId"] = TextColumn(a.row, "providerId").value_or("");
  out["accountId"] = a.id;
  reply.body = out.dump();
  return reply;
}

}  // namespace issuer::server::social
