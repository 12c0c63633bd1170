#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/social/options.h"
#include "server/social/outgoing.h"

namespace issuer::server::social {

// Where a provider is reached. `oidc`: discovery named id_token signing algorithms; with a
// jwks_uri and issuer the id_token is verified (and a nonce bound), as genericOAuth does.
struct Endpoints {
  std::string authorization;
  std::string token;
  std::string userinfo;
  std::string api;  // GitHub's or Discord's API base (ProfileApi)
  std::string issuer;
  std::string jwks_uri;
  std::vector<std::string> algs;
  bool oidc = false;
  bool VerifiesIdToken() const { return !jwks_uri.empty() && !issuer.empty(); }
};

// The configured providers and their endpoints. A genericOAuth discovery document is fetched
// on first use and kept (Better Auth fetches it at start and retries on a request; ba-issuer
// may be its own provider, so it waits for a request). Thread-safe.
class ProviderRegistry {
 public:
  ProviderRegistry(std::vector<ProviderSpec> specs, const OutgoingHttp& http)
      : specs_(std::move(specs)), http_(http) {}

  const ProviderSpec* Find(const std::string& id) const;
  const std::vector<ProviderSpec>& all() const { return specs_; }
  // `dev_issuer`: the dev provider's issuer for this request (for providers it serves).
  Result<Endpoints> Resolve(const ProviderSpec& spec, const std::string& dev_issuer);

 private:
  Result<Endpoints> Discover(const ProviderSpec& spec);

  const std::vector<ProviderSpec> specs_;
  const OutgoingHttp& http_;
  std::mutex mu_;
  std::map<std::string, Endpoints> discovered_;
};

}  // namespace issuer::server::social
