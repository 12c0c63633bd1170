#include "server/social/providers.h"

#include <nlohmann/json.hpp>

namespace issuer::server::social {
namespace {

std::string Field(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

const ProviderSpec* ProviderRegistry::Find(const std::string& id) const {
  for (const ProviderSpec& spec : specs_) {
    if (spec.id == id) return &spec;
  }
  return nullptr;
}

Result<Endpoints> ProviderRegistry::Resolve(const ProviderSpec& spec,
                                            const std::string& dev_issuer) {
  if (spec.dev) {
    const std::string api = spec.profile == ProfileApi::kOidc ? "" : dev_issuer + "/" + spec.id;
    return Endpoints{dev_issuer + "/authorize", dev_issuer + "/token", dev_issuer + "/userinfo",
                     api, "", "", {}, false};
  }
  if (spec.discovery_url.empty()) {
    return Endpoints{spec.authorization_url, spec.token_url, spec.userinfo_url, spec.api_base,
                     "", "", {}, false};
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = discovered_.find(spec.id); it != discovered_.end()) return it->second;
  }
  auto found = Discover(spec);
  if (!found.ok()) return found;
  std::lock_guard<std::mutex> lock(mu_);
  discovered_[spec.id] = *found;
  return found;
}

Result<Endpoints> ProviderRegistry::Discover(const ProviderSpec& spec) {
  auto response = http_.Send(OutgoingRequest{"GET", spec.discovery_url, {{"Accept", "application/json"}}, "", ""});
  if (!response.ok()) return response.error();
  if (response->status != 200) return Error{Errc::kUnavailable, "discovery answered an error"};
  const auto doc = nlohmann::json::parse(response->body, nullptr, false);
  if (!doc.is_object()) return Error{Errc::kUnavailable, "discovery is not a JSON object"};
  Endpoints out;
  out.authorization = spec.authorization_url.empty() ? Field(doc, "authorization_endpoint")
                                                     : spec.authorization_url;
  out.token = spec.token_url.empty() ? Field(doc, "token_endpoint") : spec.token_url;
  out.userinfo = spec.userinfo_url.empty() ? Field(doc, "userinfo_endpoint") : spec.userinfo_url;
  out.issuer = Field(doc, "issuer");
  out.jwks_uri = Field(doc, "jwks_uri");
  if (auto algs = doc.find("id_token_signing_alg_values_supported");
      algs != doc.end() && algs->is_array()) {
    for (const auto& alg : *algs) {
      if (alg.is_string()) out.algs.push_back(alg.get<std::string>());
    }
  }
  out.oidc = !out.algs.empty();
  if (out.authorization.empty() || out.token.empty()) {
    return Error{Errc::kUnavailable, "discovery left no authorization or token endpoint"};
  }
  return out;
}

}  // namespace issuer::server::social
