#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "storage/rows.h"

namespace issuer::server::admin {

// Better Auth's admin() options (dist/plugins/admin/types.d.mts), as the config file's
// plugins.admin names them. Durations are seconds. Functions and access-control objects
// (bannedUserMessage as a function, roles, ac, schema) cannot be written in JSON and are
// refused as unknown options.
struct AdminOptions {
  std::string default_role = "user";
  std::vector<std::string> admin_roles = {"admin"};  // trimmed, as impersonate-user reads them
  std::vector<std::string> admin_user_ids;
  std::string banned_user_message =
      "You have been banned from this application. Please contact support if you believe this "
      "is an error.";
  std::string default_ban_reason;  // "": Better Auth's "No reason"
  double default_ban_expires_in_s = 0;             // 0: a ban never ends
  double impersonation_session_duration_s = 3600;  // 0 in the file: Better Auth's 3600
  bool allow_impersonating_admins = false;
};

// The options from plugins.admin; kInvalidArgument naming the option for an unknown one or a
// wrong type, and Better Auth's own startup error for adminRoles outside the default roles.
Result<AdminOptions> ParseAdminOptions(const nlohmann::json& options);

// Better Auth's hasPermission with its default roles (access/statement.mjs): the user ids of
// adminUserIds may do anything; otherwise one of the user's roles (its comma-separated `role`,
// else defaultRole, else "user") must grant `action` on `resource`. The default "admin" role
// grants every user and session action but "impersonate-admins"; "user" grants none.
bool HasPermission(const AdminOptions& options, const storage::UserRow& user,
                   std::string_view resource, std::string_view action);

// Whether impersonate-user treats `user` as an admin: one of its roles is in adminRoles, or
// its id is in adminUserIds.
bool CountsAsAdmin(const AdminOptions& options, const storage::UserRow& user);

// The user's `role` column, if it holds text.
std::optional<std::string> RoleOf(const storage::UserRow& user);

}  // namespace issuer::server::admin
