#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/plugins/plugin.h"

namespace issuer::server {

// Better Auth's admin plugin (dist/plugins/admin of better-auth 1.7.25) from the config's
// plugins.admin options: user.role/banned/banReason/banExpires and session.impersonatedBy; the
// default role on every new user; no session for a banned user (an expired ban is lifted, as
// Better Auth lifts it); the /admin/ban-user, unban-user, set-role, list-users,
// revoke-user-sessions, impersonate-user and stop-impersonating routes. kInvalidArgument naming
// the option for a bad one.
Result<std::unique_ptr<Plugin>> MakeAdmin(const nlohmann::json& options);

}  // namespace issuer::server
