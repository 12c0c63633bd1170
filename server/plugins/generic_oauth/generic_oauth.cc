#include "server/plugins/generic_oauth/generic_oauth.h"

namespace issuer::server {
namespace {

class GenericOAuthPlugin : public Plugin {
 public:
  explicit GenericOAuthPlugin(std::vector<nlohmann::json> configs) : configs_(std::move(configs)) {}
  std::string_view id() const override { return "generic-oauth"; }
  std::vector<nlohmann::json> SocialProviderConfigs() const override { return configs_; }

 private:
  std::vector<nlohmann::json> configs_;
};

}  // namespace

Result<std::unique_ptr<Plugin>> MakeGenericOAuth(const nlohmann::json& options) {
  auto config = options.find("config");
  if (!options.is_object() || config == options.end() || !config->is_array()) {
    return Error{Errc::kInvalidArgument, "plugins.genericOAuth.config: expected an array"};
  }
  for (const auto& [key, value] : options.items()) {
    if (key != "config") return Error{Errc::kInvalidArgument, "plugins.genericOAuth." + key + ": unknown key"};
  }
  std::vector<nlohmann::json> configs(config->begin(), config->end());
  return std::unique_ptr<Plugin>(new GenericOAuthPlugin(std::move(configs)));
}

}  // namespace issuer::server
