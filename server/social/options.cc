#include "server/social/options.h"

namespace issuer::server::social {
namespace {

using nlohmann::json;

Error Invalid(const std::string& key, const std::string& problem) {
  return Error{Errc::kInvalidArgument, key + ": " + problem};
}

// Reads `object[name]` into `out` when present; an error names `prefix + name`.
Status ReadString(const json& object, const char* name, const std::string& prefix,
                  std::string* out) {
  if (!object.contains(name)) return Status::Ok();
  if (!object[name].is_string()) return Invalid(prefix + name, "expected a string");
  *out = object[name].get<std::string>();
  return Status::Ok();
}

Status ReadBool(const json& object, const char* name, const std::string& prefix, bool* out) {
  if (!object.contains(name)) return Status::Ok();
  if (!object[name].is_boolean()) return Invalid(prefix + name, "expected true or false");
  *out = object[name].get<bool>();
  return Status::Ok();
}

Status ReadStrings(const json& object, const char* name, const std::string& prefix,
                   std::vector<std::string>* out) {
  if (!object.contains(name)) return Status::Ok();
  const json& v = object[name];
  if (!v.is_array()) return Invalid(prefix + name, "expected an array of strings");
  for (const json& item : v) {
    if (!item.is_string()) return Invalid(prefix + name, "expected an array of strings");
    out->push_back(item.get<std::string>());
  }
  return Status::Ok();
}

std::vector<std::string> DefaultScopes(const std::string& id) {
  if (id == "github") return {"read:user", "user:email"};
  if (id == "google") return {"email", "profile", "openid"};
  if (id == "discord") return {"identify", "email"};
  return {};
}

Status NeedsCredentials(const ProviderSpec& spec, const std::string& prefix) {
  if (spec.client_id.empty() || spec.client_secret.empty()) {
    return Invalid(prefix + "clientSecret", spec.id + " needs clientId and clientSecret");
  }
  return Status::Ok();
}

// Google at its own endpoints (socialProviders.google with a clientSecret), as Better Auth's
// google provider builds its URLs.
Result<ProviderSpec> Google(ProviderSpec spec, const json& v, const std::string& prefix) {
  if (Status st = NeedsCredentials(spec, prefix); !st.ok()) return st.error();
  bool granted = true;
  for (Status st : {ReadString(v, "accessType", prefix, &spec.access_type),
                    ReadBool(v, "includeGrantedScopes", prefix, &granted)}) {
    if (!st.ok()) return st.error();
  }
  spec.authorization_url = "https://accounts.google.com/o/oauth2/v2/auth";
  spec.token_url = "https://oauth2.googleapis.com/token";
  if (granted) spec.extra_params.emplace_back("include_granted_scopes", "true");
  return spec;
}

// GitHub and Discord as Better Auth's providers reach them: their endpoints, and their users
// from their APIs (`api_base`, the dev provider's for a stand-in). Discord sends no PKCE and no
// login_hint, asks prompt=none unless told, and adds the config's scopes after the request's.
void GithubOrDiscord(ProviderSpec* spec) {
  if (spec->id == "github") {
    spec->profile = ProfileApi::kGithub;
    spec->authorization_url = "https://github.com/login/oauth/authorize";
    spec->token_url = "https://github.com/login/oauth/access_token";
    spec->api_base = "https://api.github.com";
    return;
  }
  spec->profile = ProfileApi::kDiscord;
  spec->authorization_url = "https://discord.com/api/oauth2/authorize";
  spec->token_url = "https://discord.com/api/oauth2/token";
  spec->api_base = "https://discord.com/api";
  spec->pkce = false;
  spec->sends_login_hint = false;
  if (spec->prompt.empty()) spec->prompt = "none";
}

Result<ProviderSpec> ParseBuiltIn(const std::string& id, const json& v, bool dev_oauth) {
  const std::string prefix = "socialProviders." + id + ".";
  if (id != "github" && id != "google" && id != "discord") {
    return Invalid("socialProviders." + id, "not served by ba-issuer (github, google, discord)");
  }
  if (!v.is_object()) return Invalid("socialProviders." + id, "expected an object");
  ProviderSpec spec;
  spec.id = id;
  bool disable_default = false;
  bool force_dev = false;
  std::vector<std::string> scopes;
  for (Status st : {ReadString(v, "clientId", prefix, &spec.client_id),
                    ReadString(v, "clientSecret", prefix, &spec.client_secret),
                    ReadStrings(v, "scope", prefix, &scopes),
                    ReadBool(v, "disableDefaultScope", prefix, &disable_default),
                    ReadBool(v, "disableSignUp", prefix, &spec.disable_sign_up),
                    ReadBool(v, "disableImplicitSignUp", prefix, &spec.disable_implicit_sign_up),
                    ReadBool(v, "overrideUserInfoOnSignIn", prefix, &spec.override_user_info),
                    ReadString(v, "prompt", prefix, &spec.prompt),
                    ReadBool(v, "devOAuth", prefix, &force_dev)}) {
    if (!st.ok()) return st.error();
  }
  spec.dev = dev_oauth && (force_dev || spec.client_secret.empty());
  spec.scopes = disable_default ? std::vector<std::string>() : DefaultScopes(id);
  if (id == "discord") {
    spec.late_scopes = scopes;
  } else {
    spec.scopes.insert(spec.scopes.end(), scopes.begin(), scopes.end());
  }
  if (id != "google") GithubOrDiscord(&spec);
  if (!spec.dev && id == "google") return Google(std::move(spec), v, prefix);
  if (!spec.dev) {
    if (Status st = NeedsCredentials(spec, prefix); !st.ok()) return st.error();
    return spec;
  }
  if (spec.client_id.empty()) spec.client_id = "dev-" + id;
  if (spec.client_secret.empty()) spec.client_secret = "dev-secret-" + id;
  return spec;
}

Result<ProviderSpec> ParseGeneric(const json& v, size_t index) {
  const std::string prefix = "plugins.genericOAuth.config[" + std::to_string(index) + "].";
  if (!v.is_object()) return Invalid(prefix.substr(0, prefix.size() - 1), "expected an object");
  ProviderSpec spec;
  spec.generic = true;
  std::string authentication;
  for (Status st : {ReadString(v, "providerId", prefix, &spec.id),
                    ReadString(v, "clientId", prefix, &spec.client_id),
                    ReadString(v, "clientSecret", prefix, &spec.client_secret),
                    ReadString(v, "discoveryUrl", prefix, &spec.discovery_url),
                    ReadString(v, "authorizationUrl", prefix, &spec.authorization_url),
                    ReadString(v, "tokenUrl", prefix, &spec.token_url),
                    ReadString(v, "userInfoUrl", prefix, &spec.userinfo_url),
                    ReadString(v, "authentication", prefix, &authentication),
                    ReadStrings(v, "scopes", prefix, &spec.scopes),
                    ReadBool(v, "pkce", prefix, &spec.pkce),
                    ReadBool(v, "disableSignUp", prefix, &spec.disable_sign_up),
                    ReadBool(v, "disableImplicitSignUp", prefix, &spec.disable_implicit_sign_up),
                    ReadBool(v, "overrideUserInfo", prefix, &spec.override_user_info)}) {
    if (!st.ok()) return st.error();
  }
  if (spec.id.empty()) return Invalid(prefix + "providerId", "required");
  if (spec.client_id.empty()) return Invalid(prefix + "clientId", "required");
  if (spec.discovery_url.empty() && (spec.authorization_url.empty() || spec.token_url.empty())) {
    return Invalid(prefix + "discoveryUrl", "required (or authorizationUrl and tokenUrl)");
  }
  if (authentication != "" && authentication != "basic" && authentication != "post") {
    return Invalid(prefix + "authentication", "expected \"basic\" or \"post\"");
  }
  spec.basic_auth = authentication == "basic";
  if (spec.basic_auth && spec.client_secret.empty()) {
    return Invalid(prefix + "authentication", "\"basic\" requires clientSecret");
  }
  if (v.contains("accessTokenExpiresIn")) {
    if (!v["accessTokenExpiresIn"].is_number_integer()) {
      return Invalid(prefix + "accessTokenExpiresIn", "expected whole seconds");
    }
    spec.access_token_expires_in_s = v["accessTokenExpiresIn"].get<int64_t>();
  }
  return spec;
}

Result<AccountOptions> ParseAccount(const json& v) {
  AccountOptions out;
  if (v.is_null()) return out;
  if (!v.is_object()) return Invalid("account", "expected an object");
  std::string strategy = "database";
  json linking = v.value("accountLinking", json::object());
  if (!linking.is_object()) return Invalid("account.accountLinking", "expected an object");
  const std::string lp = "account.accountLinking.";
  for (Status st : {ReadBool(v, "encryptOAuthTokens", "account.", &out.encrypt_oauth_tokens),
                    ReadBool(v, "updateAccountOnSignIn", "account.", &out.update_account_on_sign_in),
                    ReadString(v, "storeStateStrategy", "account.", &strategy),
                    ReadBool(linking, "enabled", lp, &out.linking_enabled),
                    ReadStrings(linking, "trustedProviders", lp, &out.trusted_providers),
                    ReadBool(linking, "allowDifferentEmails", lp, &out.allow_different_emails),
                    ReadBool(linking, "requireLocalEmailVerified", lp,
                             &out.require_local_email_verified),
                    ReadBool(linking, "disableImplicitLinking", lp, &out.disable_implicit_linking),
                    ReadBool(linking, "allowUnlinkingAll", lp, &out.allow_unlinking_all),
                    ReadBool(linking, "updateUserInfoOnLink", lp, &out.update_user_info_on_link)}) {
    if (!st.ok()) return st.error();
  }
  if (strategy != "database") {
    return Invalid("account.storeStateStrategy", "only \"database\" is served by ba-issuer");
  }
  for (const auto& [key, value] : v.items()) {
    if (key != "encryptOAuthTokens" && key != "updateAccountOnSignIn" &&
        key != "storeStateStrategy" && key != "accountLinking") {
      return Invalid("account." + key, "unknown key");
    }
  }
  return out;
}

}  // namespace

Result<SocialOptions> ParseSocialOptions(const json& social_providers, const json& account,
                                         const std::vector<json>& generic, bool dev_oauth) {
  SocialOptions out;
  for (size_t i = 0; i < generic.size(); ++i) {
    auto spec = ParseGeneric(generic[i], i);
    if (!spec.ok()) return spec.error();
    out.providers.push_back(std::move(*spec));
  }
  if (!social_providers.is_null()) {
    if (!social_providers.is_object()) return Invalid("socialProviders", "expected an object");
    for (const auto& [id, value] : social_providers.items()) {
      auto spec = ParseBuiltIn(id, value, dev_oauth);
      if (!spec.ok()) return spec.error();
      out.providers.push_back(std::move(*spec));
    }
  }
  auto parsed = ParseAccount(account);
  if (!parsed.ok()) return parsed.error();
  out.account = std::move(*parsed);
  return out;
}

}  // namespace issuer::server::social
