#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/plugins/plugin.h"

namespace issuer::server {

// One plugin ba-issuer can run. Adding one: its folder server/plugins/<name>/, a Make function,
// and one line in RegisteredPlugins() (registry.cc).
struct PluginEntry {
  const char* config_name;  // its key under "plugins" in the config file: Better Auth's name
  // A user column whose presence turns it on even when the config does not name it (nullptr:
  // only when named).
  const char* implied_by;
  // Builds it from its options (the config's object, or {}); kInvalidArgument naming the
  // option for a bad one.
  Result<std::unique_ptr<Plugin>> (*make)(const nlohmann::json& options);
};

// Every plugin, in the order their hooks run.
const std::vector<PluginEntry>& RegisteredPlugins();

}  // namespace issuer::server
