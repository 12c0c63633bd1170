#include "server/plugins/registry.h"

#include "server/plugins/admin/admin.h"

namespace issuer::server {

const std::vector<PluginEntry>& RegisteredPlugins() {
  static const std::vector<PluginEntry> entries = {
      {"admin", "banned", &MakeAdmin},
  };
  return entries;
}

}  // namespace issuer::server
