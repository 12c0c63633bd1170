#include "server/auth_service.h"

#include <arpa/inet.h>

#include <cctype>

#include "common/ids.h"
#include "keys/jwt.h"
#include "server/auth/password.h"
#include "server/auth/signed_value.h"
#include "server/cookies.h"
#include "server/render.h"
#include "server/url.h"
#include "server/text.h"

namespace issuer::server {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// A literal IPv4 or IPv6 address (no ports, no lists).
bool IsIpAddress(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool QueryFlag(const HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  return it != request.query.end() && !it->second.empty();  // z.coerce.boolean
}

}  // namespace

AuthService::AuthService(const Config& config, const Secrets& secrets, storage::Store& store,
                         KeyManager& keys, Clock clock, Random random, Logger& log)
    : config_(config),
      secrets_(secrets),
      store_(store),
      keys_(keys),
      clock_(std::move(clock)),
      random_(std::move(random)),
      log_(log),
      trusted_(config.trusted_origins),
      limiter_(clock_) {}

HttpReply AuthService::ErrorReply(const ApiError& error) {
  WireError wire = ToWire(error);
  HttpReply reply;
  reply.status = wire.status;
  reply.body = std::move(wire.body);
  return reply;
}

AuthService::Site AuthService::SiteOf(const HttpRequest& request) const {
  if (!config_.base_origin.empty()) {
    return {config_.base_origin, config_.base_origin.rfind("https://", 0) == 0};
  }
  // No base URL: Better Auth uses each request's own origin, http:// + its Host.
  std::optional<std::string> origin;
  if (auto host = request.Header("host")) origin = OriginFromHost(*host, false);
  return {origin.value_or("http://" + config_.host + ":" + std::to_string(config_.port)),
          config_.production()};
}

std::optional<std::string> AuthService::ForwardedIp(const HttpRequest& request) const {
  auto forwarded = request.Header("x-forwarded-for");
  if (!forwarded) return std::nullopt;
  std::string ip = Trim(*forwarded);
  if (!IsIpAddress(ip)) return std::nullopt;
  return ip;
}

std::string AuthService::ClientIp(const HttpRequest& request) const {
  if (auto ip = ForwardedIp(request)) return *ip;
  return config_.development_or_test() ? "127.0.0.1" : "";
}

namespace {

// Holds one scrypt slot for a scope.
class SlotGuard {
 public:
  explicit SlotGuard(std::counting_semaphore<kScryptSlots>& slots) : slots_(slots) { slots_.acquire(); }
  ~SlotGuard() { slots_.release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  std::counting_semaphore<kScryptSlots>& slots_;
};

}  // namespace

std::string AuthService::HashPassword(std::string_view password) {
  SlotGuard slot(scrypt_slots_);
  return auth::HashPassword(password, random_);
}

bool AuthService::VerifyPassword(std::string_view password, std::string_view stored) {
  SlotGuard slot(scrypt_slots_);
  return auth::VerifyPassword(password, stored);
}

std::optional<HttpReply> AuthService::RateLimit(const HttpRequest& request,
                                                const std::string& path) {
  if (!config_.production()) return std::nullopt;
  auto retry_after = limiter_.Hit(ForwardedIp(request).value_or(""), path);
  if (!retry_after) return std::nullopt;
  HttpReply reply = ErrorReply({ApiCode::kTooManyRequests, ""});
  reply.AddHeader("X-Retry-After", std::to_string(*retry_after));
  return reply;
}

std::optional<AuthService::Credential> AuthService::ReadCredential(const HttpRequest& request,
                                                                   const Site& site) const {
  std::optional<std::string> token;
  // The bearer plugin: "Bearer <token.sig>" or a raw session token; it overrides the cookie.
  if (auto authorization = request.Header("authorization");
      authorization && StartsWithNoCase(*authorization, "bearer ")) {
    const std::string value = Trim(std::string_view(*authorization).substr(7));
    if (value.find('.') == std::string::npos) {
      if (!value.empty()) token = value;
    } else {
      // Only the standard-base64 signature works end to end in Better Auth 1.7.25 (its bearer
      // hook takes base64url, but the rewritten cookie then fails the signed-cookie check).
      token = auth::VerifySignedValue(value, secrets_.cookie_secret);
    }
  }
  const std::optional<std::string> cookies = request.Header("cookie");
  if (!token && cookies) {
    if (auto value = FindCookie(*cookies, CookieName("session_token", site.secure))) {
      token = auth::VerifySignedValue(*value, secrets_.cookie_secret);
    }
  }
  if (!token) return std::nullopt;
  Credential credential{*token, false};
  if (cookies) {
    if (auto value = FindCookie(*cookies, CookieName("dont_remember", site.secure))) {
      credential.dont_remember =
          auth::VerifySignedValue(*value, secrets_.cookie_secret).has_value();
    }
  }
  return credential;
}

AuthService::SessionResult AuthService::ResolveSession(const HttpRequest& request,
                                                       const Site& site, HttpReply* reply) {
  SessionResult result;
  std::optional<Credential> credential = ReadCredential(request, site);
  if (!credential) return result;
  auto found = store_.FindSessionWithUser(credential->token);
  if (!found.ok()) {
    result.outcome = Lookup::kError;
    result.error = FromError(found.error());
    return result;
  }
  if (!found->has_value()) {
    ClearSessionCookies(site, reply);
    return result;
  }
  if ((*found)->session.expires_at_ms <= clock_()) {
    (void)store_.DeleteSession(credential->token);  // expired rows are deleted when met
    ClearSessionCookies(site, reply);
    return result;
  }
  result.outcome = Lookup::kFound;
  result.found = std::move(**found);
  MaybeRefresh(request, site, *credential, &result.found, reply);
  return result;
}

// Better Auth's updateAge rule (compat spec §3.2).
void AuthService::MaybeRefresh(const HttpRequest& request, const Site& site,
                               const Credential& credential, storage::SessionWithUser* found,
                               HttpReply* reply) {
  const int64_t now = clock_();
  const int64_t expires_in_ms = config_.session_expires_in_s * 1000;
  storage::SessionRow& session = found->session;
  if (credential.dont_remember || QueryFlag(request, "disableRefresh")) return;
  if (session.expires_at_ms - expires_in_ms + config_.session_update_age_s * 1000 > now) return;
  Status st = store_.UpdateSessionExpiry(session.id, now + expires_in_ms, now);
  if (!st.ok()) {
    log_.Warn("session_refresh_failed", "reason=\"" + st.error().message + "\"");
    return;
  }
  session.expires_at_ms = now + expires_in_ms;
  session.updated_at_ms = now;
  SetSessionCookies(session, /*remember=*/true, site, reply);
}

storage::SessionRow AuthService::NewSession(const std::string& user_id,
                                            const HttpRequest& request, bool remember) {
  const int64_t now = clock_();
  storage::SessionRow session;
  session.id = GenerateId(random_);
  session.token = GenerateId(random_);
  session.user_id = user_id;
  session.created_at_ms = session.updated_at_ms = now;
  session.expires_at_ms =
      now + 1000 * (remember ? config_.session_expires_in_s : config_.short_session_expires_in_s);
  session.ip_address = ClientIp(request);
  session.user_agent = request.Header("user-agent").value_or("");
  return session;
}

void AuthService::SetSessionCookies(const storage::SessionRow& session, bool remember,
                                    const Site& site, HttpReply* reply) const {
  const std::string value =
      auth::EncodeUriComponent(auth::SignValue(session.token, secrets_.cookie_secret));
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName("session_token", site.secure), value,
                                                remember ? std::optional<int64_t>(
                                                               config_.session_expires_in_s)
                                                         : std::nullopt,
                                                site.secure));
  if (remember) return;
  const std::string flag =
      auth::EncodeUriComponent(auth::SignValue("true", secrets_.cookie_secret));
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName("dont_remember", site.secure), flag,
                                                std::nullopt, site.secure));
}

void AuthService::ClearSessionCookies(const Site& site, HttpReply* reply) const {
  for (const char* suffix : {"session_token", "session_data", "dont_remember"}) {
    reply->AddHeader("Set-Cookie", SetCookieValue(CookieName(suffix, site.secure), "", 0,
                                                  site.secure));
  }
}

void AuthService::ExposeHeaders(HttpReply* reply, const std::vector<std::string>& names) const {
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ", ") + n;
  for (auto& [name, value] : reply->headers) {
    if (name == "Access-Control-Expose-Headers") {
      value += ", " + joined;
      return;
    }
  }
  reply->AddHeader("Access-Control-Expose-Headers", joined);
}

// The bearer plugin's after-hook: a response that sets a session cookie also carries the
// signed token in set-auth-token.
void AuthService::AddBearerToken(const Site& site, HttpReply* reply) const {
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

std::optional<ApiError> AuthService::CheckOrigins(const HttpRequest& request, const Site& site,
                                                  const nlohmann::json* body) const {
  if (!config_.origin_check_enabled()) return std::nullopt;
  if (auto error = CheckCookieOrigin(request, trusted_, site.origin)) return error;
  if (body != nullptr) return CheckCallbackUrl(*body, trusted_, site.origin);
  return std::nullopt;
}

Result<std::string> AuthService::SignToken(const storage::SessionWithUser& found,
                                           const Site& site) {
  auto signer = keys_.CurrentSigner();
  if (!signer.ok()) return signer.error();
  const OrderedJson header = {{"alg", "EdDSA"}, {"kid", signer->key->row.kid}};
  const OrderedJson claims =
      JwtClaims(found.user, clock_(), config_.token_ttl_s, site.origin, site.origin);
  return keys::SignCompactJws(Dump(header), Dump(claims), *signer->key->signer);
}

}  // namespace issuer::server
