#pragma once

#include <memory>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "server/http/route.h"
#include "server/session/context.h"
#include "server/social/dev_provider.h"
#include "server/social/social.h"

namespace issuer::server::social {

// Social sign-in as App runs it: the dev provider (--dev-oauth), the service and the routes
// (moved out by App).
struct SocialParts {
  std::unique_ptr<DevProvider> dev;
  std::unique_ptr<SocialService> service;
  std::vector<Route> routes;
};

// From the config's socialProviders, account and the plugins' provider configs (genericOAuth).
// With --dev-oauth the dev provider is made and each provider it stands in for is registered
// with it (redirect path <basePath>/callback/<id>); with --test-api too, its test routes are
// served. kInvalidArgument naming the key for a bad option (a startup misconfiguration).
Result<std::unique_ptr<SocialParts>> BuildSocial(AuthContext& ctx, Random random);

}  // namespace issuer::server::social
