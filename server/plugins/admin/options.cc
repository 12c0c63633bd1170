#include "server/plugins/admin/options.h"

#include <algorithm>
#include <functional>
#include <map>

#include "common/text.h"

namespace issuer::server::admin {
namespace {

using nlohmann::json;

Error Invalid(const std::string& option, const std::string& why) {
  return Error{Errc::kInvalidArgument, option + ": " + why};
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1) {
    out.push_back(text.substr(start, at - start));
  }
  out.push_back(text.substr(start));
  return out;
}

Status ReadString(const json& value, const std::string& option, std::string* out) {
  if (!value.is_string()) return Invalid(option, "expected a string");
  *out = value.get<std::string>();
  return Status::Ok();
}

Status ReadSeconds(const json& value, const std::string& option, double* out) {
  if (!value.is_number() || value.get<double>() < 0) {
    return Invalid(option, "expected a number of seconds (0 or more)");
  }
  *out = value.get<double>();
  return Status::Ok();
}

Status ReadStrings(const json& value, const std::string& option, std::vector<std::string>* out) {
  if (!value.is_array()) return Invalid(option, "expected an array of strings");
  out->clear();
  for (const json& item : value) {
    if (!item.is_string()) return Invalid(option, "expected an array of strings");
    out->push_back(item.get<std::string>());
  }
  return Status::Ok();
}

// adminRoles: an array or a comma-separated string, each one a role Better Auth defines.
Status ReadAdminRoles(const json& value, AdminOptions* out) {
  std::vector<std::string> roles;
  if (value.is_string()) {
    roles = Split(value.get<std::string>(), ',');
  } else if (Status st = ReadStrings(value, "adminRoles", &roles); !st.ok()) {
    return Invalid("adminRoles", "expected a string or an array of strings");
  }
  std::string invalid;
  for (const std::string& role : roles) {
    const std::string lower = Lowercase(role);
    if (lower != "admin" && lower != "user") invalid += (invalid.empty() ? "" : ", ") + role;
  }
  if (!invalid.empty()) {
    return Invalid("adminRoles", "Invalid admin roles: " + invalid +
                                     ". Admin roles must be defined in the 'roles' configuration.");
  }
  out->admin_roles.clear();
  for (const std::string& role : roles) out->admin_roles.push_back(Trim(role));
  return Status::Ok();
}

using Reader = std::function<Status(const json&, AdminOptions*)>;

const std::map<std::string, Reader>& Readers() {
  static const std::map<std::string, Reader> readers = {
      {"defaultRole",
       [](const json& v, AdminOptions* o) { return ReadString(v, "defaultRole", &o->default_role); }},
      {"adminRoles", &ReadAdminRoles},
      {"adminUserIds",
       [](const json& v, AdminOptions* o) {
         return ReadStrings(v, "adminUserIds", &o->admin_user_ids);
       }},
      {"bannedUserMessage",
       [](const json& v, AdminOptions* o) {
         return ReadString(v, "bannedUserMessage", &o->banned_user_message);
       }},
      {"defaultBanReason",
       [](const json& v, AdminOptions* o) {
         return ReadString(v, "defaultBanReason", &o->default_ban_reason);
       }},
      {"defaultBanExpiresIn",
       [](const json& v, AdminOptions* o) {
         return ReadSeconds(v, "defaultBanExpiresIn", &o->default_ban_expires_in_s);
       }},
      {"impersonationSessionDuration",
       [](const json& v, AdminOptions* o) {
         Status st = ReadSeconds(v, "impersonationSessionDuration",
                                 &o->impersonation_session_duration_s);
         if (st.ok() && o->impersonation_session_duration_s == 0) {
           o->impersonation_session_duration_s = 3600;  // falsy: Better Auth's default
         }
         return st;
       }},
      {"allowImpersonatingAdmins",
       [](const json& v, AdminOptions* o) {
         if (!v.is_boolean()) return Status(Invalid("allowImpersonatingAdmins", "expected true or false"));
         o->allow_impersonating_admins = v.get<bool>();
         return Status::Ok();
       }},
  };
  return readers;
}

// Better Auth's default roles and what each grants (access/statement.mjs).
bool RoleGrants(std::string_view role, std::string_view resource, std::string_view action) {
  if (role != "admin") return false;  // "user" grants nothing; other roles are not defined
  if (resource == "session") return action == "list" || action == "revoke" || action == "delete";
  return resource == "user" && action != "impersonate-admins";
}

bool Listed(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The user's roles: its role column, else defaultRole, else "user", split at commas.
std::vector<std::string> RolesOf(const AdminOptions& options, const storage::UserRow& user) {
  std::string roles = RoleOf(user).value_or("");
  if (roles.empty()) roles = options.default_role.empty() ? "user" : options.default_role;
  return Split(roles, ',');
}

}  // namespace

Result<AdminOptions> ParseAdminOptions(const json& options) {
  AdminOptions out;
  if (!options.is_object()) return out;
  for (const auto& [name, value] : options.items()) {
    auto reader = Readers().find(name);
    if (reader == Readers().end()) {
      return Invalid(name, "unknown option (known: defaultRole, adminRoles, adminUserIds, "
                           "bannedUserMessage, defaultBanReason, defaultBanExpiresIn, "
                           "impersonationSessionDuration, allowImpersonatingAdmins)");
    }
    if (Status st = reader->second(value, &out); !st.ok()) return st.error();
  }
  return out;
}

std::optional<std::string> RoleOf(const storage::UserRow& user) {
  const storage::ColumnValue* value = storage::FindColumn(user.extra, "role");
  if (value == nullptr) return std::nullopt;
  if (const auto* text = std::get_if<std::string>(value)) return *text;
  return std::nullopt;
}

bool HasPermission(const AdminOptions& options, const storage::UserRow& user,
                   std::string_view resource, std::string_view action) {
  if (Listed(options.admin_user_ids, user.id)) return true;
  const std::vector<std::string> roles = RolesOf(options, user);
  return std::any_of(roles.begin(), roles.end(), [&](const std::string& role) {
    return RoleGrants(role, resource, action);
  });
}

bool CountsAsAdmin(const AdminOptions& options, const storage::UserRow& user) {
  const std::vector<std::string> roles = RolesOf(options, user);
  const bool admin_role = std::any_of(roles.begin(), roles.end(), [&](const std::string& role) {
    return Listed(options.admin_roles, role);
  });
  return admin_role || Listed(options.admin_user_ids, user.id);
}

}  // namespace issuer::server::admin
