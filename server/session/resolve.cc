#include "server/session/resolve.h"

#include <cctype>

#include "common/text.h"
#include "server/auth/signed_value.h"
#include "server/http/cookies.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

bool QueryFlag(const HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  return it != request.query.end() && !it->second.empty();  // z.coerce.boolean
}

// The bearer plugin: "Bearer <token.sig>" or a raw session token; it overrides the cookie.
std::optional<std::string> BearerToken(const AuthContext& ctx, const HttpRequest& request) {
  auto authorization = request.Header("authorization");
  if (!authorization || !StartsWithNoCase(*authorization, "bearer ")) return std::nullopt;
  const std::string value = Trim(std::string_view(*authorization).substr(7));
  if (value.find('.') == std::string::npos) {
    if (value.empty()) return std::nullopt;
    return value;
  }
  // Only the standard-base64 signature works end to end in Better Auth 1.7.25 (its bearer
  // hook takes base64url, but the rewritten cookie then fails the signed-cookie check).
  return auth::VerifySignedValue(value, ctx.secrets.cookie_secret);
}

// Better Auth's updateAge rule (compat spec §3.2).
void MaybeRefresh(AuthContext& ctx, const HttpRequest& request, const Site& site,
                  const Credential& credential, storage::SessionWithUser* found,
                  HttpReply* reply) {
  const int64_t now = ctx.clock.NowMs();
  const int64_t expires_in_ms = ctx.config.session_expires_in_s * 1000;
  storage::SessionRow& session = found->session;
  if (credential.dont_remember || QueryFlag(request, "disableRefresh")) return;
  if (session.expires_at_ms - expires_in_ms + ctx.config.session_update_age_s * 1000 > now) return;
  Status st = ctx.repo.RefreshSession(session, now + expires_in_ms, now);
  if (!st.ok()) {
    ctx.log.Warn("session_refresh_failed", "reason=\"" + st.error().message + "\"");
    return;
  }
  session.expires_at_ms = now + expires_in_ms;
  session.updated_at_ms = now;
  SetSessionCookies(ctx, session, /*remember=*/true, site, reply);
}

}  // namespace

std::optional<Credential> ReadCredential(const AuthContext& ctx, const HttpRequest& request,
                                         const Site& site) {
  const std::string& secret = ctx.secrets.cookie_secret;
  std::optional<std::string> token = BearerToken(ctx, request);
  const std::optional<std::string> cookies = request.Header("cookie");
  if (!token && cookies) {
    if (auto value = FindCookie(*cookies, CookieName("session_token", site.secure))) {
      token = auth::VerifySignedValue(*value, secret);
    }
  }
  if (!token) return std::nullopt;
  Credential credential{*token, false};
  if (cookies) {
    if (auto value = FindCookie(*cookies, CookieName("dont_remember", site.secure))) {
      credential.dont_remember = auth::VerifySignedValue(*value, secret).has_value();
    }
  }
  return credential;
}

SessionResult ResolveSession(AuthContext& ctx, const HttpRequest& request, const Site& site,
                             HttpReply* reply) {
  SessionResult result;
  std::optional<Credential> credential = ReadCredential(ctx, request, site);
  if (!credential) return result;
  auto found = ctx.repo.FindSessionWithUser(credential->token);
  if (!found.ok()) {
    result.outcome = Lookup::kError;
    result.error = LoggedFailure(ctx, found.error());
    return result;
  }
  if (!found->has_value()) {
    ClearSessionCookies(site, reply);
    return result;
  }
  if ((*found)->session.expires_at_ms <= ctx.clock.NowMs()) {
    (void)ctx.repo.DeleteSession(credential->token);  // expired rows are deleted when met
    ClearSessionCookies(site, reply);
    return result;
  }
  if (!ctx.plugins.SessionUsable(ctx, **found)) return result;  // e.g. a banned user's
  result.outcome = Lookup::kFound;
  result.found = std::move(**found);
  MaybeRefresh(ctx, request, site, *credential, &result.found, reply);
  return result;
}

}  // namespace issuer::server
