#include "server/session/account_checks.h"

#include "server/auth/signed_value.h"
#include "server/http/origin_check.h"
#include "server/http/reply.h"
#include "server/http/url.h"
#include "server/session/login_checks.h"
#include "server/session/resolve.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

// The router's check of body.redirectTo (label "redirectURL").
std::optional<ApiError> CheckRedirectTo(const AuthContext& ctx, const Site& site,
                                        const nlohmann::json& body) {
  auto it = body.find("redirectTo");
  if (it == body.end() || it->is_null() || *it == false || *it == "" || *it == 0) {
    return std::nullopt;  // falsy: not checked
  }
  if (!it->is_string()) return ApiError{ApiCode::kRedirectUrlNotString, ""};
  if (!TrustedTarget(ctx, site, it->get<std::string>())) {
    return ApiError{ApiCode::kInvalidRedirectUrl, ""};
  }
  return std::nullopt;
}

}  // namespace

std::variant<Body, ApiError> ReadAccountBody(const AuthContext& ctx, const HttpRequest& request,
                                             const Site& site,
                                             const std::vector<FieldSpec>* fields) {
  auto parsed = ParseBody(request, /*allow_form=*/false);
  if (auto* error = std::get_if<ApiError>(&parsed)) return *error;
  const Body& body = std::get<Body>(parsed);
  const bool object = body && body->is_object();
  if (auto error = CheckOrigins(ctx, request, site, object ? &*body : nullptr)) return *error;
  if (object && ctx.config.origin_check_enabled()) {
    if (auto error = CheckRedirectTo(ctx, site, *body)) return *error;
  }
  if (fields != nullptr) {
    if (auto error = ValidateFields(body, *fields)) return *error;
  }
  return body;
}

std::variant<std::string, ApiError> CredentialHash(AuthContext& ctx, const std::string& user_id) {
  auto accounts = ctx.repo.ListAccounts(user_id);
  if (!accounts.ok()) return LoggedFailure(ctx, accounts.error());
  for (const storage::ListedAccount& listed : *accounts) {
    if (listed.row.provider_id == "credential" && listed.row.password) return *listed.row.password;
  }
  return ApiError{ApiCode::kCredentialAccountNotFound, ""};
}

bool SessionStale(const AuthContext& ctx, const storage::SessionRow& session) {
  const int64_t fresh_ms = ctx.config.session_fresh_age_s * 1000;
  return fresh_ms != 0 && ctx.clock.NowMs() - session.created_at_ms >= fresh_ms;
}

std::variant<storage::SessionWithUser, ApiError> RequireSession(AuthContext& ctx,
                                                                const HttpRequest& request,
                                                                const Site& site, SessionRule rule,
                                                                HttpReply* reply) {
  SessionResult result = ResolveSession(ctx, request, site, reply);
  if (result.outcome == Lookup::kError) return result.error;
  if (result.outcome == Lookup::kNone) return ApiError{ApiCode::kUnauthorized, ""};
  if (rule == SessionRule::kFresh && SessionStale(ctx, result.found.session)) {
    return ApiError{ApiCode::kSessionNotFresh, ""};
  }
  return std::move(result.found);
}

std::optional<storage::SessionWithUser> StartAccountPost(AuthContext& ctx,
                                                         const HttpRequest& request,
                                                         const Site& site,
                                                         const std::vector<FieldSpec>* fields,
                                                         Body* body, HttpReply* reply) {
  auto read = ReadAccountBody(ctx, request, site, fields);
  if (auto* error = std::get_if<ApiError>(&read)) {
    *reply = ErrorReply(*error);
    return std::nullopt;
  }
  *body = std::get<Body>(std::move(read));
  auto found = RequireSession(ctx, request, site, SessionRule::kAny, reply);
  if (auto* error = std::get_if<ApiError>(&found)) {
    *reply = WithError(std::move(*reply), *error);
    return std::nullopt;
  }
  return std::get<storage::SessionWithUser>(std::move(found));
}

void RenewSessionCookie(const AuthContext& ctx, const HttpRequest& request, const Site& site,
                        const storage::SessionRow& session, HttpReply* reply) {
  auto credential = ReadCredential(ctx, request, site);
  const bool remember = !(credential && credential->dont_remember);
  SetSessionCookies(ctx, session, remember, site, reply);
}

bool TrustedTarget(const AuthContext& ctx, const Site& site, const std::string& url) {
  return ctx.trusted.IsTrusted(url, site.origin, /*allow_relative=*/true);
}

namespace {

// new URL(url, base).href, for the shapes links take: absolute URLs (a bare origin gains "/"),
// absolute paths, and other relative paths (against the base path's directory).
std::string Resolve(const AuthContext& ctx, const Site& site, const std::string& url) {
  if (auto parsed = ParseUrl(url)) {
    const size_t authority = url.find("//") + 2;
    return url.find_first_of("/?#", authority) == std::string::npos ? url + "/" : url;
  }
  if (url.rfind("//", 0) == 0) return url;  // never trusted: refused before this
  if (!url.empty() && url[0] == '/') return site.origin + url;
  const std::string& base = ctx.config.base_path;
  return site.origin + base.substr(0, base.rfind('/') + 1) + url;
}

// Removes every name=... pair from a query string ("a=1&b=2").
std::string WithoutParam(const std::string& query, const std::string& name) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    if (!pair.empty() && pair.substr(0, pair.find('=')) != name) {
      out += (out.empty() ? "" : "&") + pair;
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string WithQueryParam(const AuthContext& ctx, const Site& site, const std::string& url,
                           const std::string& name, const std::string& value) {
  std::string resolved = Resolve(ctx, site, url);
  std::string fragment;
  if (size_t hash = resolved.find('#'); hash != std::string::npos) {
    fragment = resolved.substr(hash);
    resolved.resize(hash);
  }
  std::string query;
  if (size_t q = resolved.find('?'); q != std::string::npos) {
    query = WithoutParam(resolved.substr(q + 1), name);
    resolved.resize(q);
  }
  query += (query.empty() ? "" : "&") + name + "=" + auth::EncodeUriComponent(value);
  return resolved + "?" + query + fragment;
}

std::string BaseUrl(const AuthContext& ctx, const Site& site) {
  return site.origin + ctx.config.base_path;
}

HttpReply Redirect(HttpReply reply, const std::string& location) {
  reply.status = 302;
  reply.body.clear();
  reply.AddHeader("Location", location);
  reply.AddHeader("Content-Type", "application/json");  // as better-call's redirect, no body
  return reply;
}

}  // namespace issuer::server
