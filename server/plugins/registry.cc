#include "server/plugins/registry.h"

#include "server/plugins/admin/admin.h"
#include "server/plugins/generic_oauth/generic_oauth.h"
#include "server/plugins/organization/organization.h"
#include "server/plugins/two_factor/two_factor.h"
#include "server/plugins/username/username.h"

namespace issuer::server {

const std::vector<PluginEntry>& RegisteredPlugins() {
  static const std::vector<PluginEntry> entries = {
      {"admin", "banned", &MakeAdmin},
      {"twoFactor", "twoFactorEnabled", &MakeTwoFactor},
      {"organization", nullptr, &MakeOrganization},
      {"username", nullptr, &MakeUsername},
      {"genericOAuth", nullptr, &MakeGenericOAuth},
  };
  return entries;
}

}  // namespace issuer::server
