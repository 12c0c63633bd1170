#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/social/options.h"
#include "server/social/outgoing.h"
#include "server/social/providers.h"

namespace issuer::server::social {

// Better Auth's OAuth2Tokens as getOAuth2Tokens reads a token response.
struct OAuthTokens {
  std::optional<std::string> access_token;
  std::optional<std::string> refresh_token;
  std::optional<std::string> id_token;
  std::optional<int64_t> access_expires_at_ms;   // now + expires_in
  std::optional<int64_t> refresh_expires_at_ms;  // now + refresh_token_expires_in
  std::vector<std::string> scopes;
};

// Who the provider says signed in.
struct OAuthProfile {
  std::string account_id;
  std::optional<std::string> email;
  std::string name;
  std::optional<std::string> image;
  bool email_verified = false;
  // What Better Auth's provider getUserInfo returns, for /account-info: `user` (its fields as
  // that provider builds them) and `data` (the provider's profile as it read it).
  nlohmann::json user;
  nlohmann::json data;
};

struct Exchanged {
  OAuthTokens tokens;
  OAuthProfile profile;
};

// What the callback knows when it exchanges the code.
struct CodeGrant {
  std::string code;
  std::string code_verifier;
  std::string redirect_uri;
  std::string nonce;  // the state's idTokenNonce ("" when none)
  int64_t now_ms = 0;
};

// Better Auth's exchangeOAuthCallback: the code for tokens (invalid_code), then the user
// (unable_to_get_user_info): a verified id_token's claims (genericOAuth with discovery: JWKS
// signature, iss, aud, exp, nonce), else the userinfo endpoint. The error is Better Auth's
// callback error code.
std::variant<Exchanged, std::string> ExchangeCode(const OutgoingHttp& http,
                                                  const ProviderSpec& spec,
                                                  const Endpoints& endpoints,
                                                  const CodeGrant& grant);

// The provider's getUserInfo for stored tokens (/account-info): the profile, or Better Auth's
// callback error code. A verified id_token is checked without a nonce.
std::variant<OAuthProfile, std::string> ReadUserInfo(const OutgoingHttp& http,
                                                     const ProviderSpec& spec,
                                                     const Endpoints& endpoints,
                                                     const OAuthTokens& tokens, int64_t now_ms);

// An id_token the client got from the provider itself (sign-in/social's `idToken`): verified as
// genericOAuth verifies it (JWKS, iss, aud, exp, and `nonce` when given), then its claims as the
// profile. nullopt when it does not verify.
std::optional<OAuthProfile> ProfileFromIdToken(const OutgoingHttp& http, const ProviderSpec& spec,
                                               const Endpoints& endpoints, const std::string& token,
                                               const std::string& nonce, int64_t now_ms);

// refreshAccessToken: grant_type=refresh_token at the token endpoint, with the client's
// authentication; nullopt when the provider refuses or answers no access token.
std::optional<OAuthTokens> RefreshTokens(const OutgoingHttp& http, const ProviderSpec& spec,
                                         const Endpoints& endpoints,
                                         const std::string& refresh_token, int64_t now_ms);

}  // namespace issuer::server::social
