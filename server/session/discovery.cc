#include "server/session/discovery.h"

#include "server/http/reply.h"
#include "server/session/endpoints.h"
#include "server/session/jwt.h"

namespace issuer::server {
namespace {

HttpReply OpenIdConfiguration(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply = JsonReply(Dump(
      {{"issuer", TokenIssuer(ctx.config, site)},
       {"jwks_uri", site.origin + ctx.config.base_path + ctx.config.jwks_path},
       {"id_token_signing_alg_values_supported", {"EdDSA"}}}));
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
