#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/plugins/plugin.h"

namespace issuer::server {

// Better Auth's organization plugin (dist/plugins/organization of better-auth 1.7.25) as far as
// tokens need it, from the config's plugins.organization options: the organization, member and
// invitation tables and session.activeOrganizationId; the /organization/create, check-slug,
// set-active, list, get-full-organization and get-active-member routes; and the claim source
// "member" (claims.fromMember): the session's active member and its organization.
// kInvalidArgument naming the option for a bad one.
Result<std::unique_ptr<Plugin>> MakeOrganization(const nlohmann::json& options);

}  // namespace issuer::server
