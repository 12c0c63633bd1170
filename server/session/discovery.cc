#include "server/session/discovery.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "server/http/reply.h"
#include "server/session/endpoints.h"
#include "server/session/jwt.h"

namespace issuer::server {
namespace {

// The configured algorithm first, then every other algorithm of a published key, and of the
// configured extra algorithms (jwks.keyPairConfigs), once each.
std::vector<std::string> SigningAlgs(AuthContext& ctx) {
  const keys::KeyPolicy& policy = ctx.keys.policy();
  std::vector<std::string> algs = {policy.alg};
  auto add = [&algs](const std::string& alg) {
    if (std::find(algs.begin(), algs.end(), alg) == algs.end()) algs.push_back(alg);
  };
  for (const keys::KeyPairConfig& extra : policy.extra) add(extra.alg);
  if (auto jwks = ctx.keys.CurrentJwks(); jwks.ok()) {
    const auto doc = nlohmann::json::parse(*jwks->body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object() && doc.contains("keys")) {
      for (const auto& key : doc["keys"]) {
        if (key.contains("alg") && key["alg"].is_string()) add(key["alg"].get<std::string>());
      }
    }
  }
  return algs;
}

HttpReply OpenIdConfiguration(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply = JsonReply(Dump(
      {{"issuer", TokenIssuer(ctx.config, site)},
       {"jwks_uri", site.origin + ctx.config.base_path + ctx.config.jwks_path},
       {"id_token_signing_alg_values_supported", SigningAlgs(ctx)}}));
  reply.AddHeader("Cache-Control",
                  "public, max-age=" + std::to_string(ctx.keys.policy().lead_time_ms / 1000));
  return reply;
}

}  // namespace

std::vector<Route> DiscoveryRoutes(AuthContext& ctx) {
  auto route = [&ctx](const char* path, HttpReply (*endpoint)(AuthContext&, const HttpRequest&)) {
    return Route{"GET", path,
                 [&ctx, endpoint](const HttpRequest& request) { return endpoint(ctx, request); },
                 false, path};
  };
  return {route("/.well-known/openid-configuration", &OpenIdConfiguration),
          route("/.well-known/jwks.json", &Jwks)};
}

}  // namespace issuer::server
