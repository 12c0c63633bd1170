#include "server/social/exchange.h"

#include <sodium.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "keys/encoding.h"
#include "keys/openssl_key.h"
#include "server/social/oauth_url.h"

namespace issuer::server::social {
namespace {

using nlohmann::json;
constexpr char kInvalidCode[] = "invalid_code";
constexpr char kNoUserInfo[] = "unable_to_get_user_info";
constexpr int64_t kClockToleranceS = 30;

std::optional<std::string> StringField(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// parseStringBoolean: true and "true" only.
bool Verified(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && (*it == true || *it == "true");
}

std::string BasicHeader(const std::string& id, const std::string& secret) {
  const std::string plain = id + ":" + secret;
  std::string out(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return "Basic " + out;
}

// POSTs `form` (a grant) to the token endpoint with the client's authentication and reads the
// answer as getOAuth2Tokens does; nullopt for a failed call, an error answer or no access token.
std::optional<OAuthTokens> PostTokenForm(const OutgoingHttp& http, const ProviderSpec& spec,
                                         const Endpoints& endpoints, Params form, int64_t now_ms) {
  OutgoingRequest request{"POST", endpoints.token, {{"Accept", "application/json"}}, "",
                          "application/x-www-form-urlencoded"};
  if (spec.basic_auth) {
    request.headers.emplace_back("Authorization", BasicHeader(spec.client_id, spec.client_secret));
  } else {
    form.emplace_back("client_id", spec.client_id);
    if (!spec.client_secret.empty()) form.emplace_back("client_secret", spec.client_secret);
  }
  request.body = FormEncode(form);
  auto response = http.Send(request);
  if (!response.ok() || response->status != 200) return std::nullopt;
  const json doc = json::parse(response->body, nullptr, false);
  if (!doc.is_object() || doc.contains("error")) return std::nullopt;
  OAuthTokens tokens{StringField(doc, "access_token"), StringField(doc, "refresh_token"),
                     StringField(doc, "id_token"), std::nullopt, std::nullopt, {}};
  if (auto it = doc.find("expires_in"); it != doc.end() && it->is_number() && *it != 0) {
    tokens.access_expires_at_ms = now_ms + it->get<int64_t>() * 1000;
  } else if (spec.access_token_expires_in_s) {
    tokens.access_expires_at_ms = now_ms + *spec.access_token_expires_in_s * 1000;
  }
  if (auto it = doc.find("refresh_token_expires_in"); it != doc.end() && it->is_number() && *it != 0) {
    tokens.refresh_expires_at_ms = now_ms + it->get<int64_t>() * 1000;
  }
  if (auto it = doc.find("scope"); it != doc.end()) {
    if (it->is_string()) tokens.scopes = SplitScopes(it->get<std::string>());
    if (it->is_array()) {
      for (const auto& s : *it) {
        if (s.is_string() && !s.get<std::string>().empty()) tokens.scopes.push_back(s);
      }
    }
  }
  return tokens;
}

std::optional<OAuthTokens> RequestTokens(const OutgoingHttp& http, const ProviderSpec& spec,
                                         const Endpoints& endpoints, const CodeGrant& grant) {
  Params form = {{"grant_type", "authorization_code"}, {"code", grant.code}};
  if (spec.pkce && !grant.code_verifier.empty()) form.emplace_back("code_verifier", grant.code_verifier);
  form.emplace_back("redirect_uri", grant.redirect_uri);
  return PostTokenForm(http, spec, endpoints, std::move(form), grant.now_ms);
}

struct Jws {
  json header;
  json claims;
  std::string signing_input;
  std::string signature;
};

std::optional<Jws> DecodeJws(const std::string& token) {
  const size_t a = token.find('.');
  const size_t b = a == std::string::npos ? a : token.find('.', a + 1);
  if (b == std::string::npos || token.find('.', b + 1) != std::string::npos) return std::nullopt;
  auto header = keys::Base64UrlDecode(token.substr(0, a));
  auto payload = keys::Base64UrlDecode(token.substr(a + 1, b - a - 1));
  auto signature = keys::Base64UrlDecode(token.substr(b + 1));
  if (!header.ok() || !payload.ok() || !signature.ok()) return std::nullopt;
  Jws out{json::parse(*header, nullptr, false), json::parse(*payload, nullptr, false),
          token.substr(0, b), *signature};
  if (!out.header.is_object() || !out.claims.is_object()) return std::nullopt;
  return out;
}

bool AudienceMatches(const json& aud, const std::string& client_id) {
  if (aud.is_string()) return aud == client_id;
  if (!aud.is_array()) return false;
  for (const auto& item : aud) {
    if (item == client_id) return true;
  }
  return false;
}

bool SignatureVerifies(const OutgoingHttp& http, const Endpoints& endpoints, const Jws& jws) {
  const std::string alg = StringField(jws.header, "alg").value_or("");
  if (std::find(endpoints.algs.begin(), endpoints.algs.end(), alg) == endpoints.algs.end()) {
    return false;
  }
  auto response = http.Send(OutgoingRequest{"GET", endpoints.jwks_uri, {}, "", ""});
  if (!response.ok() || response->status != 200) return false;
  const json jwks = json::parse(response->body, nullptr, false);
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) return false;
  const std::string kid = StringField(jws.header, "kid").value_or("");
  for (const json& key : jwks["keys"]) {
    if (!key.is_object() || (!kid.empty() && StringField(key, "kid").value_or("") != kid)) continue;
    if (keys::VerifyWithPublicJwk(alg, key.dump(), jws.signing_input, jws.signature)) return true;
  }
  return false;
}

// verifyIdToken: signature, required claims, iss, aud, exp (30 s tolerance), nonce.
std::optional<json> VerifiedClaims(const OutgoingHttp& http, const ProviderSpec& spec,
                                   const Endpoints& endpoints, const std::string& token,
                                   const CodeGrant& grant) {
  auto jws = DecodeJws(token);
  if (!jws || !SignatureVerifies(http, endpoints, *jws)) return std::nullopt;
  const json& c = jws->claims;
  for (const char* name : {"iss", "sub", "aud", "exp", "iat"}) {
    if (!c.contains(name)) return std::nullopt;
  }
  if (c["iss"] != endpoints.issuer || !AudienceMatches(c["aud"], spec.client_id)) return std::nullopt;
  if (!c["exp"].is_number() || c["exp"].get<int64_t>() + kClockToleranceS < grant.now_ms / 1000) {
    return std::nullopt;
  }
  if (!grant.nonce.empty() && StringField(c, "nonce").value_or("") != grant.nonce) return std::nullopt;
  return c;
}

// GET `url` with the access token; its JSON when the answer is 200 and parses.
std::optional<json> GetJson(const OutgoingHttp& http, const std::string& url,
                            const std::string& access_token, bool github) {
  OutgoingRequest request{"GET", url,
                          {{"Authorization", "Bearer " + access_token}, {"Accept", "application/json"}},
                          "", ""};
  if (github) request.headers.emplace_back("User-Agent", "better-auth");  // GitHub requires one
  auto response = http.Send(request);
  if (!response.ok() || response->status != 200) return std::nullopt;
  json doc = json::parse(response->body, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

std::optional<json> FetchUserInfo(const OutgoingHttp& http, const Endpoints& endpoints,
                                  const OAuthTokens& tokens) {
  if (endpoints.userinfo.empty() || !tokens.access_token) return std::nullopt;
  auto doc = GetJson(http, endpoints.userinfo, *tokens.access_token, false);
  if (!doc || !doc->is_object()) return std::nullopt;
  return doc;
}

OAuthProfile ProfileOf(const json& raw) {
  OAuthProfile out;
  out.email = StringField(raw, "email");
  out.name = StringField(raw, "name").value_or("");
  out.image = StringField(raw, "picture");
  out.email_verified = Verified(raw, "email_verified");
  return out;
}

std::string SubjectOf(const json& raw, const char* name) {
  auto it = raw.find(name);
  if (it == raw.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Better Auth's github getUserInfo: /user, then /user/emails (its failure ignored) for the
// primary (else first) address when the profile shows none, verified as that list says.
std::optional<OAuthProfile> GithubProfile(const OutgoingHttp& http, const Endpoints& endpoints,
                                          const std::string& access_token) {
  auto user = GetJson(http, endpoints.api + "/user", access_token, true);
  if (!user || !user->is_object()) return std::nullopt;
  auto emails = GetJson(http, endpoints.api + "/user/emails", access_token, true);
  if (emails && !emails->is_array()) emails.reset();
  OAuthProfile out;
  out.account_id = SubjectOf(*user, "id");
  out.email = StringField(*user, "email");
  if (!out.email && emails && !emails->empty()) {
    const json* chosen = &(*emails)[0];
    for (const json& e : *emails) {
      if (e.is_object() && Verified(e, "primary")) {
        chosen = &e;
        break;
      }
    }
    if (chosen->is_object()) out.email = StringField(*chosen, "email");
  }
  for (const json& e : emails ? *emails : json::array()) {
    if (e.is_object() && out.email && StringField(e, "email") == out.email) {
      out.email_verified = Verified(e, "verified");
      break;
    }
  }
  out.name = StringField(*user, "name").value_or("");
  if (out.name.empty()) out.name = StringField(*user, "login").value_or("");
  out.image = StringField(*user, "avatar_url");
  out.data = *user;
  if (out.email) out.data["email"] = *out.email;
  out.user = {{"name", out.name}, {"email", out.data.value("email", json())},
              {"image", user->value("avatar_url", json())}, {"emailVerified", out.email_verified}};
  return out;
}

// Discord's default avatar for a user without one: (id >> 22) % 6 for the new usernames
// (discriminator "0"), else discriminator % 5.
std::string DiscordDefaultAvatar(const std::string& id, const std::string& discriminator) {
  uint64_t index = 0;
  if (discriminator == "0") {
    uint64_t snowflake = 0;
    for (char c : id) {
      if (c < '0' || c > '9') break;
      snowflake = snowflake * 10 + static_cast<uint64_t>(c - '0');
    }
    index = (snowflake >> 22) % 6;
  } else {
    index = static_cast<uint64_t>(std::strtoll(discriminator.c_str(), nullptr, 10)) % 5;
  }
  return "https://cdn.discordapp.com/embed/avatars/" + std::to_string(index) + ".png";
}

// Better Auth's discord getUserInfo: /users/@me, the avatar's CDN URL (gif when animated).
std::optional<OAuthProfile> DiscordProfile(const OutgoingHttp& http, const Endpoints& endpoints,
                                           const std::string& access_token) {
  auto user = GetJson(http, endpoints.api + "/users/@me", access_token, false);
  if (!user || !user->is_object()) return std::nullopt;
  OAuthProfile out;
  out.account_id = SubjectOf(*user, "id");
  out.email = StringField(*user, "email");
  out.email_verified = Verified(*user, "verified");
  out.name = StringField(*user, "global_name").value_or("");
  if (out.name.empty()) out.name = StringField(*user, "username").value_or("");
  if (auto avatar = StringField(*user, "avatar")) {
    const char* format = avatar->rfind("a_", 0) == 0 ? "gif" : "png";
    out.image = "https://cdn.discordapp.com/avatars/" + out.account_id + "/" + *avatar + "." + format;
  } else {
    out.image = DiscordDefaultAvatar(out.account_id, StringField(*user, "discriminator").value_or(""));
  }
  out.data = *user;
  out.data["image_url"] = *out.image;
  out.user = {{"name", out.name}, {"email", user->value("email", json())},
              {"emailVerified", user->value("verified", json())}, {"image", *out.image}};
  return out;
}

// The user of a provider read through its own API (GitHub, Discord).
std::variant<OAuthProfile, std::string> FromProviderApi(const OutgoingHttp& http,
                                                        const ProviderSpec& spec,
                                                        const Endpoints& endpoints,
                                                        const OAuthTokens& tokens) {
  if (!tokens.access_token) return std::string(kNoUserInfo);
  auto profile = spec.profile == ProfileApi::kGithub
                     ? GithubProfile(http, endpoints, *tokens.access_token)
                     : DiscordProfile(http, endpoints, *tokens.access_token);
  if (!profile || profile->account_id.empty()) return std::string(kNoUserInfo);
  return std::move(*profile);
}

void PutIfString(json* out, const char* name, const json& from, const char* field) {
  if (auto it = from.find(field); it != from.end() && !it->is_null()) (*out)[name] = *it;
}

// genericOAuth's fetchUserInfo and getUserInfo shapes: `data` the id_token's claims (with id,
// emailVerified, image first) or the userinfo answer (with email, emailVerified, image, name);
// `user` {email, emailVerified, image, name}. The built-in google: `data` the claims, `user`
// {id, name, email, image, emailVerified}.
void DescribeOidc(const ProviderSpec& spec, const json& raw, bool from_claims, OAuthProfile* out) {
  if (!spec.generic) {
    out->data = raw;
    out->user = json::object();
    PutIfString(&out->user, "id", raw, "sub");
    PutIfString(&out->user, "name", raw, "name");
    PutIfString(&out->user, "email", raw, "email");
    PutIfString(&out->user, "image", raw, "picture");
    out->user["emailVerified"] = raw.value("email_verified", json());
    return;
  }
  out->data = json::object();
  if (from_claims) {
    out->data["id"] = raw.value("sub", json());
    out->data["emailVerified"] = out->email_verified;
    PutIfString(&out->data, "image", raw, "picture");
    for (const auto& [key, value] : raw.items()) out->data[key] = value;
  } else {
    out->data = raw;
    PutIfString(&out->data, "email", raw, "email");
    out->data["emailVerified"] = out->email_verified;
    PutIfString(&out->data, "image", raw, "picture");
    PutIfString(&out->data, "name", raw, "name");
  }
  out->user = json::object();
  PutIfString(&out->user, "email", out->data, "email");
  out->user["emailVerified"] = out->email_verified;
  PutIfString(&out->user, "image", out->data, "image");
  PutIfString(&out->user, "name", out->data, "name");
}

// The user the tokens show (after the code exchange, or for /account-info).
std::variant<OAuthProfile, std::string> ProfileFromTokens(const OutgoingHttp& http,
                                                          const ProviderSpec& spec,
                                                          const Endpoints& endpoints,
                                                          const OAuthTokens& tokens,
                                                          const CodeGrant& grant) {
  if (spec.profile != ProfileApi::kOidc) return FromProviderApi(http, spec, endpoints, tokens);
  std::optional<json> claims;
  if (tokens.id_token && endpoints.VerifiesIdToken()) {
    claims = VerifiedClaims(http, spec, endpoints, *tokens.id_token, grant);
    if (!claims) return std::string(kNoUserInfo);
  } else if (tokens.id_token) {
    if (auto jws = DecodeJws(*tokens.id_token)) claims = jws->claims;
  }
  std::optional<json> raw;
  const bool from_claims = claims && claims->contains("sub") && claims->contains("email");
  if (from_claims) raw = claims;
  if (!raw) raw = FetchUserInfo(http, endpoints, tokens);
  if (!raw) return std::string(kNoUserInfo);
  if (claims && endpoints.VerifiesIdToken() && SubjectOf(*raw, "sub") != SubjectOf(*claims, "sub")) {
    return std::string(kNoUserInfo);
  }
  OAuthProfile profile = ProfileOf(*raw);
  // genericOAuth's accountSubject: a plain OAuth provider's profile id, else the OIDC sub.
  profile.account_id = spec.generic && !endpoints.oidc ? SubjectOf(*raw, "id") : SubjectOf(*raw, "sub");
  if (profile.account_id.empty()) return std::string(kNoUserInfo);
  DescribeOidc(spec, *raw, from_claims, &profile);
  return profile;
}

}  // namespace

std::variant<Exchanged, std::string> ExchangeCode(const OutgoingHttp& http,
                                                  const ProviderSpec& spec,
                                                  const Endpoints& endpoints,
                                                  const CodeGrant& grant) {
  auto tokens = RequestTokens(http, spec, endpoints, grant);
  if (!tokens) return std::string(kInvalidCode);
  auto profile = ProfileFromTokens(http, spec, endpoints, *tokens, grant);
  if (auto* error = std::get_if<std::string>(&profile)) return *error;
  return Exchanged{std::move(*tokens), std::move(std::get<OAuthProfile>(profile))};
}

std::variant<OAuthProfile, std::string> ReadUserInfo(const OutgoingHttp& http,
                                                     const ProviderSpec& spec,
                                                     const Endpoints& endpoints,
                                                     const OAuthTokens& tokens, int64_t now_ms) {
  CodeGrant grant;
  grant.now_ms = now_ms;
  return ProfileFromTokens(http, spec, endpoints, tokens, grant);
}

std::optional<OAuthProfile> ProfileFromIdToken(const OutgoingHttp& http, const ProviderSpec& spec,
                                               const Endpoints& endpoints, const std::string& token,
                                               const std::string& nonce, int64_t now_ms) {
  CodeGrant grant;
  grant.nonce = nonce;
  grant.now_ms = now_ms;
  auto claims = VerifiedClaims(http, spec, endpoints, token, grant);
  if (!claims) return std::nullopt;
  OAuthProfile profile = ProfileOf(*claims);
  profile.account_id = SubjectOf(*claims, "sub");
  DescribeOidc(spec, *claims, /*from_claims=*/true, &profile);
  return profile;
}

std::optional<OAuthTokens> RefreshTokens(const OutgoingHttp& http, const ProviderSpec& spec,
                                         const Endpoints& endpoints,
                                         const std::string& refresh_token, int64_t now_ms) {
  auto tokens = PostTokenForm(http, spec, endpoints,
                              {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}},
                              now_ms);
  if (!tokens || !tokens->access_token || tokens->access_token->empty()) return std::nullopt;
  return tokens;
}

}  // namespace issuer::server::social
