#pragma once

#include <vector>

#include "server/http/route.h"
#include "server/session/context.h"

namespace issuer::server {

// For generic JWT verifiers (API gateways such as Envoy or Kong), with --discovery only: Better
// Auth serves neither without its OAuth plugin.
//   GET /.well-known/openid-configuration -> {issuer, jwks_uri,
//                                             id_token_signing_alg_values_supported}
//   GET /.well-known/jwks.json            -> the JWKS, as GET <base>/jwks answers it
// `ctx` must outlive the routes.
std::vector<Route> DiscoveryRoutes(AuthContext& ctx);

}  // namespace issuer::server
