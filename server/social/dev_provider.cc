#include "server/social/dev_provider.h"

#include <sodium.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/ids.h"
#include "common/text.h"
#include "keys/jws.h"
#include "keys/openssl_key.h"
#include "server/auth/signed_value.h"
#include "server/social/oauth_url.h"

namespace issuer::server::social {
namespace {

using nlohmann::ordered_json;

std::string Get(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "" : it->second;
}

TokenAnswer Refuse(int status, const std::string& error, const std::string& description) {
  return {status, ordered_json{{"error", error}, {"error_description", description}}.dump()};
}

bool SameBytes(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "Basic base64(id:secret)", each part form-encoded as RFC 6749 §2.3.1 asks.
std::optional<std::pair<std::string, std::string>> BasicCredentials(const std::string& header) {
  if (header.size() < 6 || Lowercase(header.substr(0, 6)) != "basic ") return std::nullopt;
  const std::string encoded = header.substr(6);
  std::string decoded(encoded.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        encoded.data(), encoded.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  decoded.resize(length);
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto id = auth::DecodeUriComponent(decoded.substr(0, colon));
  auto secret = auth::DecodeUriComponent(decoded.substr(colon + 1));
  if (!id || !secret) return std::nullopt;
  return std::make_pair(*id, *secret);
}

}  // namespace

Result<std::unique_ptr<DevProvider>> DevProvider::Create(const Clock& clock, Random random) {
  const std::string kid = "dev-oauth-" + GenerateId(random, 12);
  auto signer = keys::OpenSslSigner::Generate("RS256", kid);
  if (!signer.ok()) return signer.error();
  return std::unique_ptr<DevProvider>(new DevProvider(clock, std::move(random), *signer));
}

void DevProvider::RegisterClient(DevClient client) {
  std::lock_guard<std::mutex> lock(mu_);
  for (DevClient& existing : clients_) {
    if (existing.client_id == client.client_id) {
      existing = std::move(client);
      return;
    }
  }
  clients_.push_back(std::move(client));
}

DevUser DevProvider::AddUser(const std::string& email, const std::string& name,
                             bool email_verified) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string lower = Lowercase(email);
  for (DevUser& user : users_) {
    if (user.email != lower) continue;
    user.name = name;
    user.email_verified = email_verified;
    return user;
  }
  const int64_t number = kFirstNumber + static_cast<int64_t>(users_.size());
  users_.push_back(DevUser{GenerateId(random_, 20), number, lower, name, email_verified});
  return users_.back();
}

std::vector<DevUser> DevProvider::Users() const {
  std::lock_guard<std::mutex> lock(mu_);
  return users_;
}

std::optional<DevUser> DevProvider::FindUser(const std::string& sub) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const DevUser& user : users_) {
    if (user.sub == sub) return user;
  }
  return std::nullopt;
}

void DevProvider::Select(std::optional<std::string> sub) {
  std::lock_guard<std::mutex> lock(mu_);
  selected_ = std::move(sub);
}

std::optional<DevUser> DevProvider::Selected() const {
  std::optional<std::string> sub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sub = selected_;
  }
  return sub ? FindUser(*sub) : std::nullopt;
}

const DevClient* DevProvider::FindClient(const std::string& client_id) const {
  for (const DevClient& client : clients_) {
    if (client.client_id == client_id) return &client;
  }
  return nullptr;
}

Result<AuthorizeRequest> DevProvider::CheckClient(const std::map<std::string, std::string>& query,
                                                  const std::string& origin) const {
  AuthorizeRequest out{Get(query, "client_id"),      Get(query, "redirect_uri"),
                       Get(query, "state"),          Get(query, "scope"),
                       Get(query, "code_challenge"), Get(query, "nonce")};
  std::lock_guard<std::mutex> lock(mu_);
  const DevClient* client = FindClient(out.client_id);
  if (client == nullptr) return Error{Errc::kNotFound, "unknown client_id"};
  bool registered = !client->redirect_path.empty() &&
                    out.redirect_uri == origin + client->redirect_path;
  for (const std::string& uri : client->redirect_uris) registered |= uri == out.redirect_uri;
  if (!registered) return Error{Errc::kInvalidArgument, "redirect_uri is not registered"};
  return out;
}

std::optional<std::string> DevProvider::CheckRequest(
    const std::map<std::string, std::string>& query) {
  if (Get(query, "response_type") != "code") return "unsupported_response_type";
  const std::string method = Get(query, "code_challenge_method");
  const bool has_challenge = !Get(query, "code_challenge").empty();
  if (has_challenge && method != "S256") return "invalid_request";
  if (!has_challenge && !method.empty()) return "invalid_request";
  return std::nullopt;
}

std::string DevProvider::IssueCode(const AuthorizeRequest& request, const DevUser& user) {
  std::lock_guard<std::mutex> lock(mu_);
  Prune();
  const std::string code = GenerateId(random_, 40);
  codes_[code] = Code{request, user.sub, clock_.NowMs() + kCodeTtlMs, false, {}};
  return code;
}

// Drops codes and tokens that can no longer be used, so memory stays bounded by the live ones.
// A code is kept while the tokens it gave may live, so that its replay still revokes them.
void DevProvider::Prune() {
  const int64_t now = clock_.NowMs();
  const int64_t keep_ms = kAccessTokenTtlS * 1000;
  std::erase_if(codes_, [now, keep_ms](const auto& entry) {
    return entry.second.expires_at_ms + keep_ms <= now;
  });
  std::erase_if(tokens_, [now](const auto& entry) { return entry.second.expires_at_ms <= now; });
  std::erase_if(refresh_tokens_, [now](const auto& entry) { return entry.second.expires_at_ms <= now; });
}

// The client the request authenticates as (client_secret_basic or client_secret_post).
std::optional<std::string> DevProvider::Authenticate(const TokenRequest& request) const {
  std::string id = Get(request.form, "client_id");
  std::string secret = Get(request.form, "client_secret");
  if (request.authorization) {
    auto basic = BasicCredentials(*request.authorization);
    if (!basic || request.form.count("client_secret") != 0) return std::nullopt;
    if (!id.empty() && id != basic->first) return std::nullopt;
    id = basic->first;
    secret = basic->second;
  }
  const DevClient* client = FindClient(id);
  if (client == nullptr || secret.empty() || !SameBytes(secret, client->client_secret)) {
    return std::nullopt;
  }
  return id;
}

TokenAnswer DevProvider::Exchange(const TokenRequest& request, const std::string& issuer) {
  const std::string grant = Get(request.form, "grant_type");
  if (grant != "authorization_code" && grant != "refresh_token") {
    return Refuse(400, "unsupported_grant_type", "authorization_code and refresh_token are served");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto client_id = Authenticate(request);
  if (!client_id) return Refuse(401, "invalid_client", "client authentication failed");
  Prune();
  return grant == "refresh_token" ? ExchangeRefresh(request, *client_id)
                                  : ExchangeCode(request, *client_id, issuer);
}

TokenAnswer DevProvider::ExchangeCode(const TokenRequest& request, const std::string& client_id,
                                      const std::string& issuer) {
  auto it = codes_.find(Get(request.form, "code"));
  if (it == codes_.end()) return Refuse(400, "invalid_grant", "unknown code");
  Code& code = it->second;
  if (code.used) {
    // RFC 6749 §4.1.2: a replayed code revokes what it gave.
    for (const std::string& token : code.tokens) {
      tokens_.erase(token);
      refresh_tokens_.erase(token);
    }
    return Refuse(400, "invalid_grant", "code already used");
  }
  code.used = true;
  if (code.expires_at_ms <= clock_.NowMs()) return Refuse(400, "invalid_grant", "code expired");
  if (code.request.client_id != client_id) return Refuse(400, "invalid_grant", "wrong client");
  if (Get(request.form, "redirect_uri") != code.request.redirect_uri) {
    return Refuse(400, "invalid_grant", "redirect_uri does not match");
  }
  const std::string verifier = Get(request.form, "code_verifier");
  if (!code.request.code_challenge.empty() &&
      (verifier.empty() || !SameBytes(CodeChallenge(verifier), code.request.code_challenge))) {
    return Refuse(400, "invalid_grant", "PKCE verification failed");
  }
  const DevUser* user = nullptr;
  for (const DevUser& u : users_) {
    if (u.sub == code.sub) user = &u;
  }
  if (user == nullptr) return Refuse(400, "invalid_grant", "user is gone");
  ordered_json out = IssueTokens(code.sub, client_id, code.request.scope, &code.tokens);
  const std::vector<std::string> scopes = SplitScopes(code.request.scope);
  if (std::find(scopes.begin(), scopes.end(), "openid") != scopes.end()) {
    out["id_token"] = IdToken(code, *user, issuer);
  }
  return {200, out.dump()};
}

// A refresh token is single-use: the answer carries its successor (no id_token).
TokenAnswer DevProvider::ExchangeRefresh(const TokenRequest& request, const std::string& client_id) {
  auto it = refresh_tokens_.find(Get(request.form, "refresh_token"));
  if (it == refresh_tokens_.end() || it->second.client_id != client_id) {
    return Refuse(400, "invalid_grant", "unknown refresh token");
  }
  const Refresh spent = it->second;
  refresh_tokens_.erase(it);
  if (spent.expires_at_ms <= clock_.NowMs()) return Refuse(400, "invalid_grant", "refresh token expired");
  return {200, IssueTokens(spent.sub, client_id, spent.scope, nullptr).dump()};
}

ordered_json DevProvider::IssueTokens(const std::string& sub, const std::string& client_id,
                                      const std::string& scope, std::vector<std::string>* issued) {
  const std::string access = GenerateId(random_, 40);
  const std::string refresh = GenerateId(random_, 40);
  const int64_t now = clock_.NowMs();
  tokens_[access] = Grant{sub, now + kAccessTokenTtlS * 1000};
  refresh_tokens_[refresh] = Refresh{sub, client_id, scope, now + kRefreshTokenTtlS * 1000};
  if (issued != nullptr) {
    issued->push_back(access);
    issued->push_back(refresh);
  }
  return {{"access_token", access}, {"token_type", "Bearer"}, {"expires_in", kAccessTokenTtlS},
          {"refresh_token", refresh}, {"scope", scope}};
}

std::string DevProvider::IdToken(const Code& code, const DevUser& user,
                                 const std::string& issuer) const {
  const int64_t now_s = clock_.NowMs() / 1000;
  ordered_json claims = {{"iss", issuer},        {"sub", user.sub},
                         {"aud", code.request.client_id}, {"exp", now_s + kAccessTokenTtlS},
                         {"iat", now_s},          {"auth_time", now_s}};
  if (!code.request.nonce.empty()) claims["nonce"] = code.request.nonce;
  claims["email"] = user.email;
  claims["email_verified"] = user.email_verified;
  claims["name"] = user.name;
  const ordered_json header = {{"alg", signer_->alg()}, {"kid", signer_->kid()}, {"typ", "JWT"}};
  auto token = keys::SignCompactJws(header.dump(), claims.dump(), *signer_);
  return token.ok() ? *token : "";
}

std::optional<DevUser> DevProvider::UserForToken(const std::string& access_token) const {
  std::string sub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(access_token);
    if (it == tokens_.end() || it->second.expires_at_ms <= clock_.NowMs()) return std::nullopt;
    sub = it->second.sub;
  }
  return FindUser(sub);
}

std::string DevProvider::JwksJson() const {
  ordered_json key = ordered_json::parse(signer_->PublicJwkJson(), nullptr, false);
  key["kid"] = signer_->kid();
  key["alg"] = signer_->alg();
  key["use"] = "sig";
  return ordered_json{{"keys", ordered_json::array({key})}}.dump();
}

}  // namespace issuer::server::social
