#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace issuer::server::organization {

// Better Auth's organization() options (dist/plugins/organization/types.d.mts) that the
// routes served here read, as the config file's plugins.organization names them. Functions
// (a callback allowUserToCreateOrganization, hooks, sendInvitationEmail), access control,
// teams and schema cannot be served and are refused as unknown options.
struct OrganizationOptions {
  bool allow_user_to_create_organization = true;  // allowUserToCreateOrganization
  std::optional<double> organization_limit;       // organizationLimit; unset: no limit
  std::string creator_role = "owner";             // creatorRole ("" in the file: "owner")
  int64_t membership_limit = 100;                 // membershipLimit (0 in the file: 100)
};

// The options from plugins.organization; kInvalidArgument naming the option for an unknown one
// or a wrong type.
Result<OrganizationOptions> ParseOrganizationOptions(const nlohmann::json& options);

}  // namespace issuer::server::organization
