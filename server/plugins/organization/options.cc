#include "server/plugins/organization/options.h"

#include <cmath>

namespace issuer::server::organization {
namespace {

using nlohmann::json;

Error Invalid(const std::string& option, const std::string& why) {
  return Error{Errc::kInvalidArgument, option + ": " + why};
}

Status Apply(const std::string& name, const json& value, OrganizationOptions* out) {
  if (name == "allowUserToCreateOrganization") {
    if (!value.is_boolean()) return Invalid(name, "expected true or false");
    out->allow_user_to_create_organization = value.get<bool>();
  } else if (name == "organizationLimit") {
    if (!value.is_number() || value.get<double>() < 0) {
      return Invalid(name, "expected a number (0 or more)");
    }
    out->organization_limit = value.get<double>();
  } else if (name == "creatorRole") {
    if (!value.is_string()) return Invalid(name, "expected a string");
    out->creator_role = value.get<std::string>().empty() ? "owner" : value.get<std::string>();
  } else if (name == "membershipLimit") {
    if (!value.is_number_integer() || value.get<int64_t>() < 0) {
      return Invalid(name, "expected a whole number (0 or more)");
    }
    out->membership_limit = value.get<int64_t>() == 0 ? 100 : value.get<int64_t>();
  } else {
    return Invalid(name, "unknown option (known: allowUserToCreateOrganization, "
                         "organizationLimit, creatorRole, membershipLimit)");
  }
  return Status::Ok();
}

}  // namespace

Result<OrganizationOptions> ParseOrganizationOptions(const json& options) {
  OrganizationOptions out;
  if (!options.is_object()) return out;
  for (const auto& [name, value] : options.items()) {
    if (Status st = Apply(name, value, &out); !st.ok()) return st.error();
  }
  return out;
}

}  // namespace issuer::server::organization
