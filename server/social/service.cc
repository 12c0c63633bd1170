#include "server/social/service.h"

#include "server/social/dev_routes.h"
#include "server/social/routes.h"

namespace issuer::server::social {

Result<std::unique_ptr<SocialParts>> BuildSocial(AuthContext& ctx, Random random) {
  const Config& config = ctx.config;
  auto options = ParseSocialOptions(config.social_providers, config.account,
                                    ctx.plugins.SocialProviderConfigs(), config.dev_oauth);
  if (!options.ok()) return options.error();
  auto parts = std::make_unique<SocialParts>();
  if (config.dev_oauth) {
    auto dev = DevProvider::Create(ctx.clock, std::move(random));
    if (!dev.ok()) return dev.error();
    parts->dev = std::move(*dev);
    for (const ProviderSpec& spec : options->providers) {
      if (!spec.dev) continue;
      parts->dev->RegisterClient(
          DevClient{spec.client_id, spec.client_secret, {}, config.base_path + "/callback/" + spec.id});
    }
  }
  OutgoingHttp::Limits limits;
  limits.allow_loopback_http = !config.production();
  parts->service = std::make_unique<SocialService>(ctx, std::move(*options), limits, parts->dev.get());
  parts->routes = SocialRoutes(*parts->service);
  if (parts->dev) {
    for (Route& route : DevOAuthRoutes(ctx, *parts->dev)) parts->routes.push_back(std::move(route));
    if (config.test_api) {
      for (Route& route : DevOAuthTestRoutes(ctx, *parts->dev)) {
        parts->routes.push_back(std::move(route));
      }
    }
  }
  return parts;
}

}  // namespace issuer::server::social
