#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace issuer::server::social {

// Where a provider's user is read: OIDC claims (the id_token, else userinfo), or GitHub's
// /user + /user/emails, or Discord's /users/@me, as Better Auth's providers read them.
enum class ProfileApi { kOidc, kGithub, kDiscord };

// One OAuth provider the server signs in with: a socialProviders.<id> entry (github, google,
// discord) or a genericOAuth config entry, with Better Auth's option names.
struct ProviderSpec {
  std::string id;
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> scopes;  // the provider's defaults, then the config's
  std::vector<std::string> late_scopes;  // the config's, after the request's (discord)
  bool pkce = true;
  bool generic = false;  // genericOAuth
  bool dev = false;      // served by the dev provider (--dev-oauth)
  std::string discovery_url;  // genericOAuth discoveryUrl
  std::string authorization_url, token_url, userinfo_url;  // genericOAuth, explicit
  ProfileApi profile = ProfileApi::kOidc;
  std::string api_base;  // GitHub's or Discord's API (the dev provider's when `dev`)
  bool sends_login_hint = true;  // discord's URL has no login_hint
  bool basic_auth = false;  // authentication: "basic" (else client_secret_post)
  bool disable_sign_up = false;
  bool disable_implicit_sign_up = false;
  bool override_user_info = false;  // overrideUserInfoOnSignIn / overrideUserInfo
  std::optional<int64_t> access_token_expires_in_s;  // genericOAuth accessTokenExpiresIn
  std::string prompt;       // google prompt
  std::string access_type;  // google accessType
  std::vector<std::pair<std::string, std::string>> extra_params;  // after the PKCE parameters
};

// Better Auth's account options (account.*).
struct AccountOptions {
  bool encrypt_oauth_tokens = false;       // encryptOAuthTokens
  bool update_account_on_sign_in = true;   // updateAccountOnSignIn
  bool linking_enabled = true;             // accountLinking.enabled
  std::vector<std::string> trusted_providers;  // accountLinking.trustedProviders
  bool allow_different_emails = false;     // accountLinking.allowDifferentEmails
  bool require_local_email_verified = true;  // accountLinking.requireLocalEmailVerified
  bool disable_implicit_linking = false;   // accountLinking.disableImplicitLinking
  bool allow_unlinking_all = false;        // accountLinking.allowUnlinkingAll
  bool update_user_info_on_link = false;   // accountLinking.updateUserInfoOnLink
};

struct SocialOptions {
  std::vector<ProviderSpec> providers;  // genericOAuth's first, as Better Auth lists them
  AccountOptions account;
};

// The config file's socialProviders and account sections and the genericOAuth plugin's config
// entries. With `dev_oauth`, a built-in provider without a clientSecret (or with "devOAuth":
// true) is served by the dev provider. google with real credentials is served at Google's
// endpoints (its user from the id_token, as Better Auth reads it), github and discord at theirs
// (their users from their APIs). kInvalidArgument naming the key for a bad one or an unknown
// provider.
Result<SocialOptions> ParseSocialOptions(const nlohmann::json& social_providers,
                                         const nlohmann::json& account,
                                         const std::vector<nlohmann::json>& generic,
                                         bool dev_oauth);

}  // namespace issuer::server::social
