#pragma once

#include <vector>

#include "server/http/route.h"
#include "server/session/context.h"

namespace issuer::server {

// Better Auth's routes under config.base_path, answered by the endpoint functions of
// endpoints.h. `ctx` must outlive the routes.
std::vector<Route> AuthRoutes(AuthContext& ctx);

}  // namespace issuer::server
