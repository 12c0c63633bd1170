#include "server/session/session_cookies.h"

#include "common/ids.h"
#include "server/auth/signed_value.h"
#include "server/http/cookies.h"
#include "server/http/reply.h"

namespace issuer::server {

storage::SessionRow NewSession(AuthContext& ctx, const std::string& user_id,
                               const HttpRequest& request, bool remember) {
  const int64_t now = ctx.clock.NowMs();
  const Config& config = ctx.config;
  storage::SessionRow session;
  session.id = GenerateId(ctx.random);
  session.token = GenerateId(ctx.random);
  session.user_id = user_id;
  session.created_at_ms = session.updated_at_ms = now;
  session.expires_at_ms =
      now + 1000 * (remember ? config.session_expires_in_s : config.short_session_expires_in_s);
  session.ip_address = ClientIp(config, request);
  session.user_agent = request.Header("user-agent").value_or("");
  return session;
}

std::variant<storage::SessionRow, ApiError> StartSession(AuthContext& ctx, storage::UserRow* user,
                                                         const HttpRequest& request,
                                                         bool remember) {
  storage::Row extra;
  if (auto refused = ctx.plugins.BeforeSessionCreate(ctx, user, &extra)) return *refused;
  storage::SessionRow session = NewSession(ctx, user->id, request, remember);
  session.extra = std::move(extra);
  return session;
}

void SetSessionCookies(const AuthContext& ctx, const storage::SessionRow& session, bool remember,
                       const Site& site, HttpReply* reply) {
  const std::string& secret = ctx.secrets.cookie_secret;
  const std::string value = auth::EncodeUriComponent(auth::SignValue(session.token, secret));
  const std::optional<int64_t> max_age =
      remember ? std::optional<int64_t>(ctx.config.session_expires_in_s) : std::nullopt;
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName("session_token", site.secure), value,
                                                max_age, site.secure));
  if (remember) return;
  const std::string flag = auth::EncodeUriComponent(auth::SignValue("true", secret));
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName("dont_remember", site.secure), flag,
                                                std::nullopt, site.secure));
}

void ClearSessionCookies(const Site& site, HttpReply* reply) {
  for (const char* suffix : {"session_token", "session_data", "dont_remember"}) {
    reply->AddHeader("Set-Cookie", SetCookieValue(CookieName(suffix, site.secure), "", 0,
                                                  site.secure));
  }
}

void AddBearerToken(const Site& site, HttpReply* reply) {
  const std::string prefix = CookieName("session_token", site.secure) + "=";
  for (const auto& [name, value] : reply->headers) {
    if (name != "Set-Cookie" || value.rfind(prefix, 0) != 0) continue;
    const std::string encoded = value.substr(prefix.size(), value.find(';') - prefix.size());
    if (encoded.empty()) continue;
    reply->AddHeader("set-auth-token", auth::DecodeUriComponent(encoded).value_or(encoded));
    ExposeHeaders(reply, {"set-auth-token"});
    return;
  }
}

}  // namespace issuer::server
