#pragma once

#include <vector>

#include "server/http/route.h"
#include "server/social/social.h"

namespace issuer::server::social {

// Better Auth's social routes under the base path: POST /sign-in/social, GET and POST
// /callback/:id (genericOAuth's providers too: they are social providers in 1.7.25),
// POST /link-social and POST /unlink-account.
std::vector<Route> SocialRoutes(SocialService& service);

}  // namespace issuer::server::social
