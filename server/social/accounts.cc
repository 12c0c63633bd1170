#include "server/social/accounts.h"

#include <algorithm>
#include <cctype>

#include "common/ids.h"
#include "common/text.h"
#include "keys/seal.h"
#include "server/social/oauth_url.h"

namespace issuer::server::social {
namespace {

using storage::ExtraColumn;
using storage::FieldType;

// The token columns of `oauth` that are set (Better Auth drops undefined ones).
Result<storage::Row> TokenColumns(SocialService& s, const OAuthTokens& t) {
  storage::Row row;
  for (const auto& [name, value] : {std::pair{"accessToken", &t.access_token},
                                    std::pair{"refreshToken", &t.refresh_token}}) {
    auto sealed = SealOAuthToken(s, *value);
    if (!sealed.ok()) return sealed.error();
    if (*sealed) row.push_back(ExtraColumn{name, **sealed, FieldType::kString});
  }
  if (t.id_token) row.push_back(ExtraColumn{"idToken", *t.id_token, FieldType::kString});
  if (t.access_expires_at_ms) {
    row.push_back(ExtraColumn{"accessTokenExpiresAt", *t.access_expires_at_ms, FieldType::kDate});
  }
  if (t.refresh_expires_at_ms) {
    row.push_back(ExtraColumn{"refreshTokenExpiresAt", *t.refresh_expires_at_ms, FieldType::kDate});
  }
  return row;
}

// The account row Better Auth writes for `oauth` on the user `user_id`.
Result<storage::AccountRow> NewAccount(SocialService& s, const std::string& user_id,
                                       const ProviderSpec& spec, const Exchanged& oauth) {
  storage::AccountRow a;
  a.id = GenerateId(s.ctx.random);
  a.account_id = oauth.profile.account_id;
  a.provider_id = spec.id;
  a.user_id = user_id;
  a.created_at_ms = a.updated_at_ms = s.ctx.clock.NowMs();
  auto access = SealOAuthToken(s, oauth.tokens.access_token);
  if (!access.ok()) return access.error();
  auto refresh = SealOAuthToken(s, oauth.tokens.refresh_token);
  if (!refresh.ok()) return refresh.error();
  a.access_token = std::move(*access);
  a.refresh_token = std::move(*refresh);
  a.id_token = oauth.tokens.id_token;
  a.access_token_expires_at_ms = oauth.tokens.access_expires_at_ms;
  a.refresh_token_expires_at_ms = oauth.tokens.refresh_expires_at_ms;
  a.scope = Join(oauth.tokens.scopes, ",");
  return a;
}

// Links a new account for `oauth` to the existing user `user_id`.
Status LinkAccount(SocialService& s, const std::string& user_id, const ProviderSpec& spec,
                   const Exchanged& oauth) {
  auto account = NewAccount(s, user_id, spec, oauth);
  if (!account.ok()) return account.error();
  return s.ctx.repo.AddAccount(*account);
}

// The sign-in's fresh tokens on the linked account (updateAccountOnSignIn); scope is left.
Status RefreshAccount(SocialService& s, const std::string& account_row_id, const ProviderSpec& spec,
                      const Exchanged& oauth) {
  if (!s.account.update_account_on_sign_in) return Status::Ok();
  auto set = TokenColumns(s, oauth.tokens);
  if (!set.ok()) return set.error();
  set->insert(set->begin(), ExtraColumn{"providerId", spec.id, FieldType::kString});
  set->push_back({"updatedAt", s.ctx.clock.NowMs(), FieldType::kDate});
  auto changed = s.ctx.repo.UpdateRows("account", {{"id", account_row_id}}, *set);
  if (!changed.ok()) return changed.error();
  return Status::Ok();
}


// The account row of (providerId, accountId), if any.
Result<std::optional<storage::Row>> FindAccount(SocialService& s, const std::string& provider_id,
                                                const std::string& account_id) {
  auto rows = s.ctx.repo.FindRows("account",
                                  {{"providerId", provider_id}, {"accountId", account_id}});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<storage::Row>();
  return std::optional<storage::Row>(std::move(rows->front()));
}

bool Trusted(const SocialService& s, const std::string& provider_id) {
  const auto& list = s.account.trusted_providers;
  return std::find(list.begin(), list.end(), provider_id) != list.end();
}

// Writes `set` (and updatedAt) on the user `user_id`, as internalAdapter.updateUser: the user
// as now stored, or nullopt when the write (logged) or the read failed. A profile sync must not
// stop the sign-in or the link, so callers go on with what they had.
std::optional<storage::UserRow> UpdateUserColumns(SocialService& s, const std::string& user_id,
                                                  storage::Row set) {
  set.push_back({"updatedAt", s.ctx.clock.NowMs(), FieldType::kDate});
  if (!s.ctx.repo.UpdateRows("user", {{"id", user_id}}, set).ok()) {
    s.ctx.log.Warn("oauth_user_update_failed", "user=" + user_id);
    return std::nullopt;
  }
  auto fresh = s.ctx.repo.FindUserById(user_id);
  return fresh.ok() ? *fresh : std::nullopt;
}

// The provider's name and image (those it gave) as columns to write.
storage::Row ProfileColumns(const OAuthProfile& p) {
  storage::Row set;
  if (!p.name.empty()) set.push_back({"name", p.name, FieldType::kString});
  if (p.image) set.push_back({"image", *p.image, FieldType::kString});
  return set;
}

// accountLinking.updateUserInfoOnLink: the linked provider's name and image onto the user
// (never its email or emailVerified). The user as now stored, nullopt when nothing was written.
std::optional<storage::UserRow> UpdateUserInfoOnLink(SocialService& s, const std::string& user_id,
                                                     const OAuthProfile& p) {
  storage::Row set = ProfileColumns(p);
  if (!s.account.update_user_info_on_link || set.empty()) return std::nullopt;
  return UpdateUserColumns(s, user_id, std::move(set));
}

// overrideUserInfoOnSignIn (genericOAuth overrideUserInfo): a returning user takes the
// provider's name, image and email; emailVerified stays true for the same email.
std::optional<storage::UserRow> OverrideUserInfo(SocialService& s, const ProviderSpec& spec,
                                                 const storage::UserRow& user,
                                                 const OAuthProfile& p) {
  if (!spec.override_user_info) return std::nullopt;
  storage::Row set = ProfileColumns(p);
  const std::string email = Lowercase(p.email.value_or(user.email));
  const bool verified = email == user.email ? user.email_verified || p.email_verified : p.email_verified;
  set.push_back({"email", email, FieldType::kString});
  set.push_back({"emailVerified", int64_t{verified ? 1 : 0}, FieldType::kBoolean});
  return UpdateUserColumns(s, user.id, std::move(set));
}

std::variant<OAuthSignIn, std::string> CreateUser(SocialService& s, const ProviderSpec& spec,
                                                  const Exchanged& oauth) {
  const int64_t now = s.ctx.clock.NowMs();
  storage::UserRow user;
  user.id = GenerateId(s.ctx.random);
  user.name = oauth.profile.name;
  user.email = Lowercase(*oauth.profile.email);
  user.email_verified = oauth.profile.email_verified;
  user.image = oauth.profile.image;
  user.created_at_ms = user.updated_at_ms = now;
  if (s.ctx.plugins.BeforeUserCreate(s.ctx, nullptr, &user)) return std::string("unable to create user");
  auto account = NewAccount(s, user.id, spec, oauth);
  // The user and its account in one transaction, as Better Auth writes them.
  if (!account.ok() || !s.ctx.repo.CreateUser(user, *account).ok()) {
    return std::string("unable to create user");
  }
  return OAuthSignIn{std::move(user), true};
}

// An existing user whose email matched, not linked to this provider account yet.
std::variant<OAuthSignIn, std::string> LinkByEmail(SocialService& s, const ProviderSpec& spec,
                                                   const Exchanged& oauth, storage::UserRow user,
                                                   bool allow_override) {
  const AccountOptions& a = s.account;
  if ((!Trusted(s, spec.id) && !oauth.profile.email_verified) ||
      (a.require_local_email_verified && !user.email_verified) || !a.linking_enabled ||
      a.disable_implicit_linking) {
    return std::string("account not linked");
  }
  if (!LinkAccount(s, user.id, spec, oauth).ok()) return std::string("unable to link account");
  if (oauth.profile.email_verified && !user.email_verified) {
    user.email_verified = true;
    user.updated_at_ms = s.ctx.clock.NowMs();
    (void)s.ctx.repo.UpdateUser(user);
  }
  if (auto fresh = UpdateUserInfoOnLink(s, user.id, oauth.profile)) user = std::move(*fresh);
  if (allow_override) {
    if (auto fresh = OverrideUserInfo(s, spec, user, oauth.profile)) user = std::move(*fresh);
  }
  return OAuthSignIn{std::move(user), false};
}

}  // namespace

std::variant<OAuthSignIn, std::string> FindOrCreateUser(SocialService& s, const ProviderSpec& spec,
                                                        const Exchanged& oauth,
                                                        bool disable_sign_up, bool allow_override) {
  auto account = FindAccount(s, spec.id, oauth.profile.account_id);
  if (!account.ok()) return std::string("internal_server_error");
  if (account->has_value()) {
    auto user = s.ctx.repo.FindUserById(TextColumn(**account, "userId").value_or(""));
    if (!user.ok()) return std::string("internal_server_error");
    if (!user->has_value()) return std::string("unable to link account");  // orphaned
    if (!RefreshAccount(s, TextColumn(**account, "id").value_or(""), spec, oauth).ok()) {
      return std::string("unable to update account");
    }
    storage::UserRow found = std::move(**user);
    if (oauth.profile.email_verified && !found.email_verified &&
        Lowercase(*oauth.profile.email) == found.email) {
      found.email_verified = true;
      found.updated_at_ms = s.ctx.clock.NowMs();
      (void)s.ctx.repo.UpdateUser(found);
    }
    if (allow_override) {
      if (auto fresh = OverrideUserInfo(s, spec, found, oauth.profile)) found = std::move(*fresh);
    }
    return OAuthSignIn{std::move(found), false};
  }
  auto by_email = s.ctx.repo.FindCredentialUser(Lowercase(*oauth.profile.email));
  if (!by_email.ok()) return std::string("internal_server_error");
  if (by_email->has_value()) {
    return LinkByEmail(s, spec, oauth, std::move((*by_email)->user), allow_override);
  }
  if (disable_sign_up) return std::string("signup disabled");
  return CreateUser(s, spec, oauth);
}

std::optional<std::string> LinkAccount(SocialService& s, const ProviderSpec& spec,
                                       const LinkTarget& link, const Exchanged& oauth) {
  if ((!Trusted(s, spec.id) && !oauth.profile.email_verified) || !s.account.linking_enabled) {
    return "unable_to_link_account";
  }
  if (Lowercase(oauth.profile.email.value_or("")) != Lowercase(link.email) &&
      !s.account.allow_different_emails) {
    return "email_does_not_match";
  }
  auto existing = FindAccount(s, spec.id, oauth.profile.account_id);
  if (!existing.ok()) return "unable_to_link_account";
  if (!existing->has_value()) {
    if (!LinkAccount(s, link.user_id, spec, oauth).ok()) return "unable_to_link_account";
    (void)UpdateUserInfoOnLink(s, link.user_id, oauth.profile);
    return std::nullopt;
  }
  if (TextColumn(**existing, "userId") != link.user_id) return "account_already_linked_to_different_user";
  const std::string row_id = TextColumn(**existing, "id").value_or("");
  auto set = TokenColumns(s, oauth.tokens);
  if (!set.ok()) return "unable_to_link_account";
  // mergeScopes: stored first, then new ones, without duplicates.
  std::vector<std::string> stored = SplitStoredScopes(TextColumn(**existing, "scope").value_or(""));
  for (const std::string& sc : oauth.tokens.scopes) {
    if (std::find(stored.begin(), stored.end(), sc) == stored.end()) stored.push_back(sc);
  }
  if (!stored.empty()) set->push_back({"scope", Join(stored, ","), FieldType::kString});
  set->push_back({"updatedAt", s.ctx.clock.NowMs(), FieldType::kDate});
  if (!s.ctx.repo.UpdateRows("account", {{"id", row_id}}, *set).ok()) {
    return "unable_to_link_account";
  }
  (void)UpdateUserInfoOnLink(s, link.user_id, oauth.profile);
  return std::nullopt;
}

std::optional<std::string> TextColumn(const storage::Row& row, std::string_view name) {
  const storage::ColumnValue* value = storage::FindColumn(row, name);
  const std::string* text = value == nullptr ? nullptr : std::get_if<std::string>(value);
  if (text == nullptr) return std::nullopt;
  return *text;
}

Result<std::optional<std::string>> SealOAuthToken(SocialService& s,
                                                  const std::optional<std::string>& token) {
  if (!token || token->empty() || !s.account.encrypt_oauth_tokens) return token;
  auto sealed = keys::SymmetricEncrypt(*token, s.ctx.secrets.ring, s.ctx.random);
  if (!sealed.ok()) return sealed.error();
  return std::optional<std::string>(std::move(*sealed));
}

namespace {

// isLikelyEncrypted: "$ba$…", or even-length hex.
bool LikelySealed(const std::string& token) {
  if (token.rfind("$ba$", 0) == 0) return true;
  if (token.empty() || token.size() % 2 != 0) return false;
  for (unsigned char c : token) {
    if (!std::isxdigit(c)) return false;
  }
  return true;
}

}  // namespace

Result<std::string> OpenOAuthToken(const SocialService& s, const std::string& token) {
  if (!s.account.encrypt_oauth_tokens || !LikelySealed(token)) return token;
  auto plain = keys::SymmetricDecrypt(token, s.ctx.secrets.ring);
  if (!plain.ok()) return plain.error();
  return std::string(plain->view());
}

}  // namespace issuer::server::social
