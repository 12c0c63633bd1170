#pragma once

#include <span>
#include <vector>

#include "server/http/route.h"
#include "server/http/types.h"
#include "server/session/context.h"

namespace issuer::server::console {

// The console's /__test routes by concern (users_api.cc, sessions_api.cc, keys_api.cc,
// tokens_api.cc); console.h lists what each answers.

using Handler = HttpReply (*)(AuthContext& ctx, const HttpRequest& request);
struct Endpoint {
  const char* method;
  const char* path;
  Handler handler;
};

// Each endpoint as a route guarded as the test API is (api_support.h Guarded).
void AddEndpoints(AuthContext& ctx, std::span<const Endpoint> endpoints,
                  std::vector<Route>* routes);

void AddUserRoutes(AuthContext& ctx, std::vector<Route>* routes);
void AddSessionRoutes(AuthContext& ctx, std::vector<Route>* routes);
void AddKeyRoutes(AuthContext& ctx, std::vector<Route>* routes);
void AddTokenRoutes(AuthContext& ctx, std::vector<Route>* routes);

}  // namespace issuer::server::console
