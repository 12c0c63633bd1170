#pragma once

#include <string>

#include "common/result.h"
#include "server/session/context.h"
#include "server/session/render.h"
#include "storage/rows.h"

namespace issuer::server {

// jwt.issuer, else the site's origin; jwt.audience (a string or an array), else the origin.
std::string TokenIssuer(const Config& config, const Site& site);
OrderedJson TokenAudience(const Config& config, const Site& site);

// The jwt plugin's token for the session `found`, as /token and get-session mint it: Better
// Auth's claims (compat spec §1.4) at the service's clock, shaped by the config's claims (the
// session's and the plugins' sources too: SourcedClaims), then the user's extra claims, signed
// by the key that signs now (header {alg, kid}).
Result<std::string> MintToken(AuthContext& ctx, const storage::SessionWithUser& found,
                              const Site& site);

// `claims` as given, signed by the key that signs now. For the test API.
Result<std::string> SignClaims(AuthContext& ctx, const OrderedJson& claims);

}  // namespace issuer::server
