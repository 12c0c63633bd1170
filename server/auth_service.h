#pragma once

#include <optional>
#include <semaphore>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/random.h"
#include "server/api_error.h"
#include "server/config.h"
#include "server/http_types.h"
#include "server/key_manager.h"
#include "server/logger.h"
#include "server/origin_check.h"
#include "server/rate_limiter.h"
#include "storage/store.h"

namespace issuer::server {

// How many scrypt computations (~60 ms, 32 MiB each) may run at once.
inline constexpr int kScryptSlots = 4;

// Better Auth's email/password, session, jwt and bearer behaviour over the store and the key
// ring, one method per endpoint. Works on HttpRequest/HttpReply, so it runs without sockets.
// Thread-safe.
//   AuthService auth(config, secrets, store, keys, clock, random, log);
//   HttpReply reply = auth.Token(request);
class AuthService {
 public:
  AuthService(const Config& config, const Secrets& secrets, storage::Store& store,
              KeyManager& keys, Clock clock, Random random, Logger& log);

  HttpReply SignUp(const HttpRequest& request);
  HttpReply SignIn(const HttpRequest& request);
  HttpReply SignOut(const HttpRequest& request);
  HttpReply GetSession(const HttpRequest& request);
  HttpReply Token(const HttpRequest& request);
  HttpReply Jwks(const HttpRequest& request);
  HttpReply Ok(const HttpRequest& request);
  HttpReply ErrorPage(const HttpRequest& request);
  // POST /get-session: 405 unless deferSessionRefresh (not supported).
  HttpReply PostGetSession(const HttpRequest& request);

  // Writes an error reply.
  static HttpReply ErrorReply(const ApiError& error);

  // With NODE_ENV=production, Better Auth's rate limit for a request to `path` (relative to the
  // base path): the 429 reply when over the limit.
  std::optional<HttpReply> RateLimit(const HttpRequest& request, const std::string& path);

 private:
  // Where a request comes from: the origin that is iss, aud and trusted, and whether cookies
  // get the __Secure- prefix.
  struct Site {
    std::string origin;
    bool secure;
  };
  struct Credential {
    std::string token;           // the session token, signature checked
    bool dont_remember = false;  // a valid dont_remember cookie came with it
  };
  enum class Lookup { kNone, kFound, kError };
  struct SessionResult {
    Lookup outcome = Lookup::kNone;
    storage::SessionWithUser found;
    ApiError error{ApiCode::kInternal, ""};
  };

  Site SiteOf(const HttpRequest& request) const;
  std::optional<Credential> ReadCredential(const HttpRequest& request, const Site& site) const;
  SessionResult ResolveSession(const HttpRequest& request, const Site& site, HttpReply* reply);
  void MaybeRefresh(const HttpRequest& request, const Site& site, const Credential& credential,
                    storage::SessionWithUser* found, HttpReply* reply);
  Result<std::string> SignToken(const storage::SessionWithUser& found, const Site& site);

  // Creates a session row for `user_id`; on success sets the cookies and returns the row.
  storage::SessionRow NewSession(const std::string& user_id, const HttpRequest& request,
                                 bool remember);
  void SetSessionCookies(const storage::SessionRow& session, bool remember, const Site& site,
                         HttpReply* reply) const;
  void ClearSessionCookies(const Site& site, HttpReply* reply) const;
  // The router's origin middleware: cookie origin check, then callbackURL (when `body`).
  std::optional<ApiError> CheckOrigins(const HttpRequest& request, const Site& site,
                                       const nlohmann::json* body) const;
  // Sign-in and sign-up: origin middleware, zod validation, then the login CSRF check.
  std::optional<ApiError> CheckLoginRequest(const HttpRequest& request, const Site& site,
                                            const std::optional<nlohmann::json>& body,
                                            bool sign_up) const;
  void ExposeHeaders(HttpReply* reply, const std::vector<std::string>& names) const;
  void AddBearerToken(const Site& site, HttpReply* reply) const;
  // The client IP as Better Auth takes it: one valid address in X-Forwarded-For, else nullopt.
  std::optional<std::string> ForwardedIp(const HttpRequest& request) const;
  std::string ClientIp(const HttpRequest& request) const;
  // scrypt costs ~60 ms and 32 MiB: at most kScryptSlots run at once, so 64 request threads
  // cannot take 2 GiB. HashPassword returns "" if scrypt fails.
  std::string HashPassword(std::string_view password);
  bool VerifyPassword(std::string_view password, std::string_view stored);

  const Config& config_;
  const Secrets& secrets_;
  storage::Store& store_;
  KeyManager& keys_;
  Clock clock_;
  Random random_;
  Logger& log_;
  TrustedOrigins trusted_;
  RateLimiter limiter_;
  std::counting_semaphore<kScryptSlots> scrypt_slots_{kScryptSlots};
};

}  // namespace issuer::server
