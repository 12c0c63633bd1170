#pragma once

#include <optional>
#include <string>
#include <variant>

#include "server/social/exchange.h"
#include "server/social/social.h"
#include "server/social/state.h"
#include "storage/rows.h"

namespace issuer::server::social {

// The text column `name` of an account row (nullopt: absent, NULL or not text).
std::optional<std::string> TextColumn(const storage::Row& row, std::string_view name);

// setTokenUtil: `token` sealed with symmetricEncrypt under account.encryptOAuthTokens (an unset
// or empty one, or encryption off: as given).
Result<std::optional<std::string>> SealOAuthToken(SocialService& s,
                                                  const std::optional<std::string>& token);
// decryptOAuthToken: opened under account.encryptOAuthTokens when it looks sealed ("$ba$…" or
// even-length hex), else as stored.
Result<std::string> OpenOAuthToken(const SocialService& s, const std::string& token);

// A signed-in OAuth user: the user, and whether it was made now (newUserURL).
struct OAuthSignIn {
  storage::UserRow user;
  bool is_register = false;
};

// handleOAuthUserInfo: the user owning the provider account, else the user with its email
// (linked when accountLinking allows: a trusted provider or a verified email, and a verified
// local email unless requireLocalEmailVerified is false), else a new user and account. The
// account rows are written as Better Auth writes them (tokens sealed with encryptOAuthTokens).
// The error is Better Auth's ("account not linked", "signup disabled", ...), with spaces.
// `allow_override`: overrideUserInfoOnSignIn applies (the callback; not an idToken sign-in,
// which Better Auth never passes it to).
std::variant<OAuthSignIn, std::string> FindOrCreateUser(SocialService& s, const ProviderSpec& spec,
                                                        const Exchanged& oauth,
                                                        bool disable_sign_up,
                                                        bool allow_override = true);

// linkOAuthAccount for a link-social flow's callback: nullopt when linked; else the error
// code (unable_to_link_account, email_does_not_match,
// account_already_linked_to_different_user).
std::optional<std::string> LinkAccount(SocialService& s, const ProviderSpec& spec,
                                       const LinkTarget& link, const Exchanged& oauth);

}  // namespace issuer::server::social
