#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/random.h"
#include "common/result.h"
#include "keys/signer.h"

namespace issuer::server::social {

// A person who can sign in at the dev provider.
struct DevUser {
  std::string sub;  // stable, random
  int64_t number = 0;  // GitHub's numeric id, Discord's snowflake >> 22, for the stand-ins
  std::string email;
  std::string name;
  bool email_verified = true;
};

// A client of the dev provider: its secret and where it may send codes. `redirect_uris` are
// exact; `redirect_path` (the stand-ins for configured social providers) matches that path on
// the authorize request's own origin.
struct DevClient {
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> redirect_uris;
  std::string redirect_path;
};

// The query of an authorize request, checked.
struct AuthorizeRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string state;
  std::string scope;
  std::string code_challenge;  // empty: no PKCE
  std::string nonce;
};

// What the token endpoint answers: status and the JSON body (OAuth's {error,
// error_description} on refusals).
struct TokenAnswer {
  int status = 200;
  std::string body;
};

// The token request's client credentials and form, as sent.
struct TokenRequest {
  std::map<std::string, std::string> form;
  std::optional<std::string> authorization;  // the Authorization header
};

// ba-issuer's built-in OIDC provider (--dev-oauth): test users, clients, authorization codes
// (single use, 60 s, PKCE S256), opaque access tokens (1 h) and RS256 id_tokens signed with
// its own key, made at start. Everything is in memory. Thread-safe.
class DevProvider {
 public:
  static constexpr int64_t kCodeTtlMs = 60'000;
  static constexpr int64_t kAccessTokenTtlS = 3600;
  static constexpr int64_t kRefreshTokenTtlS = 30 * 24 * 3600;
  static constexpr int64_t kFirstNumber = 100001;  // the first user's `number`

  static Result<std::unique_ptr<DevProvider>> Create(const Clock& clock, Random random);

  void RegisterClient(DevClient client);
  // The user with this email (lowercased), made if new; name and verification as given.
  DevUser AddUser(const std::string& email, const std::string& name, bool email_verified);
  std::vector<DevUser> Users() const;
  std::optional<DevUser> FindUser(const std::string& sub) const;
  // The user authorize signs in at once, without its page (the test API); nullopt: the page.
  void Select(std::optional<std::string> sub);
  std::optional<DevUser> Selected() const;

  // The authorize request of `query`, or why it cannot be redirected back: an unknown client or
  // a redirect_uri the client did not register (shown as an error page, never redirected).
  // `origin` is the origin the request came to.
  Result<AuthorizeRequest> CheckClient(const std::map<std::string, std::string>& query,
                                       const std::string& origin) const;
  // What is wrong with a request whose client is known, as OAuth's error code for the
  // redirect ("unsupported_response_type", "invalid_request"); nullopt when it is fine.
  static std::optional<std::string> CheckRequest(const std::map<std::string, std::string>& query);
  // A new code for `request` signed in as `user`.
  std::string IssueCode(const AuthorizeRequest& request, const DevUser& user);

  // POST /token: grant_type=authorization_code, or refresh_token (the refresh token is
  // rotated: the one used is spent), with client_secret_basic or _post.
  TokenAnswer Exchange(const TokenRequest& request, const std::string& issuer);
  // The user of a live access token.
  std::optional<DevUser> UserForToken(const std::string& access_token) const;
  // {"keys":[the public JWK with kid, alg, use]}.
  std::string JwksJson() const;

 private:
  struct Code {
    AuthorizeRequest request;
    std::string sub;
    int64_t expires_at_ms = 0;
    bool used = false;
    std::vector<std::string> tokens;  // issued from it (revoked if it is replayed)
  };
  struct Grant {
    std::string sub;
    int64_t expires_at_ms = 0;
  };
  struct Refresh {
    std::string sub;
    std::string client_id;
    std::string scope;
    int64_t expires_at_ms = 0;
  };

  DevProvider(const Clock& clock, Random random, keys::SignerPtr signer)
      : clock_(clock), random_(std::move(random)), signer_(std::move(signer)) {}
  const DevClient* FindClient(const std::string& client_id) const;
  void Prune();  // REQUIRES: mu_ held
  std::optional<std::string> Authenticate(const TokenRequest& request) const;
  TokenAnswer ExchangeCode(const TokenRequest& request, const std::string& client_id,
                           const std::string& issuer);  // REQUIRES: mu_ held
  TokenAnswer ExchangeRefresh(const TokenRequest& request, const std::string& client_id);  // same
  // New access and refresh tokens for `sub`, as the token endpoint's JSON. REQUIRES: mu_ held.
  nlohmann::ordered_json IssueTokens(const std::string& sub, const std::string& client_id,
                                     const std::string& scope, std::vector<std::string>* issued);
  std::string IdToken(const Code& code, const DevUser& user, const std::string& issuer) const;

  const Clock& clock_;
  Random random_;
  keys::SignerPtr signer_;
  mutable std::mutex mu_;
  std::vector<DevClient> clients_;
  std::vector<DevUser> users_;
  std::optional<std::string> selected_;
  std::map<std::string, Code> codes_;
  std::map<std::string, Grant> tokens_;
  std::map<std::string, Refresh> refresh_tokens_;
};

}  // namespace issuer::server::social
