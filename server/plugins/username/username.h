#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/plugins/plugin.h"

namespace issuer::server {

// Better Auth's username plugin (dist/plugins/username of better-auth 1.7.25) from the config's
// plugins.username options: user.username (unique, lowercased) and user.displayUsername, set on
// sign-up and update-user with the plugin's validation and taken-name checks;
// POST /sign-in/username and POST /is-username-available. kInvalidArgument naming the option
// for a bad one.
Result<std::unique_ptr<Plugin>> MakeUsername(const nlohmann::json& options);

}  // namespace issuer::server
