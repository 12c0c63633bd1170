#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/plugins/plugin.h"

namespace issuer::server {

// Better Auth's genericOAuth plugin (dist/plugins/generic-oauth of better-auth 1.7.25) from the
// config's plugins.genericOAuth: {"config": [{providerId, discoveryUrl, clientId, clientSecret,
// scopes, pkce, ...}]}. In 1.7.25 its providers are social providers (signIn.social and
// /callback/:id); server/social/ serves them, reading the entries this plugin hands over.
// kInvalidArgument for a section that is not {"config": [objects]}.
Result<std::unique_ptr<Plugin>> MakeGenericOAuth(const nlohmann::json& options);

}  // namespace issuer::server
