#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/http/route.h"
#include "server/plugins/username/options.h"
#include "server/session/context.h"

namespace issuer::server::username {

// POST /sign-in/username (a password sign-in that ends in the core's CompleteSignIn, so every
// plugin's session and sign-in hooks apply) and POST /is-username-available.
// The id of the user whose username is `normalized`, if any.
std::variant<std::optional<std::string>, ApiError> FindByUsername(AuthContext& ctx,
                                                                  const std::string& normalized);

std::vector<Route> UsernameRoutes(AuthContext& ctx, const UsernameOptions& options);

}  // namespace issuer::server::username
