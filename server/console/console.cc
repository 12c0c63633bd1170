#include "server/console/console.h"

#include "server/console/api_support.h"
#include "server/console/routes.h"
#include "server/http/reply.h"

namespace issuer::server::console {

void AddEndpoints(AuthContext& ctx, std::span<const Endpoint> endpoints,
                  std::vector<Route>* routes) {
  for (const Endpoint& e : endpoints) {
    routes->push_back(Guarded(
        ctx, e.method, e.path,
        [&ctx, handler = e.handler](const HttpRequest& request) { return handler(ctx, request); }));
  }
}

std::vector<Route> ConsoleRoutes(AuthContext& ctx, std::shared_ptr<ChangeCounter> changes) {
  std::vector<Route> routes = PageRoutes(ctx);
  AddUserRoutes(ctx, &routes);
  AddSessionRoutes(ctx, &routes);
  AddKeyRoutes(ctx, &routes);
  AddTokenRoutes(ctx, &routes);
  routes.push_back(Guarded(ctx, "GET", "/__test/changes", [&ctx, changes](const HttpRequest&) {
    return JsonReply(Dump({{"version", changes->Version(ctx)}}));
  }));
  return routes;
}

}  // namespace issuer::server::console
