#include "server/plugins/registry.h"

namespace issuer::server {

const std::vector<PluginEntry>& RegisteredPlugins() {
  static const std::vector<PluginEntry> entries = {
  };
  return entries;
}

}  // namespace issuer::server
