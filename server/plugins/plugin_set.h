#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/plugins/plugin.h"
#include "storage/repository.h"

namespace issuer::server {

// The plugins a server runs, and the one place the core calls their hooks (in the order the
// registry lists them). Thread-safe once loaded: the hooks only read it.
class PluginSet {
 public:
  PluginSet() = default;
  explicit PluginSet(std::vector<std::unique_ptr<Plugin>> plugins) : plugins_(std::move(plugins)) {}

  // The plugins the config file's "plugins" section names ({"admin": {...options}}), and those
  // whose columns the store's user table already has even if unnamed (a database written by
  // Better Auth with admin or two-factor is never served more loosely), each declared to
  // `repo` (migrated unless read-only). kInvalidArgument naming the key for an unknown plugin
  // or option: a startup misconfiguration.
  static Result<PluginSet> Load(const nlohmann::json& section, storage::Repository& repo);

  bool Has(std::string_view id) const;
  const std::vector<std::unique_ptr<Plugin>>& all() const { return plugins_; }

  std::vector<Route> Routes(AuthContext& ctx) const;
  std::vector<Plugin::LimitRule> LimitRules() const;
  // Every plugin's SocialProviderConfigs, in plugin order.
  std::vector<nlohmann::json> SocialProviderConfigs() const;
  // The first refusal wins; nullopt when every plugin lets it pass.
  std::optional<ApiError> BeforeRoute(AuthContext& ctx, std::string_view path,
                                      const HttpRequest& request, nlohmann::json* body) const;
  std::optional<ApiError> BeforeUserCreate(AuthContext& ctx, const nlohmann::json* body,
                                           storage::UserRow* user) const;
  std::optional<ApiError> BeforeUserUpdate(AuthContext& ctx, const nlohmann::json& body,
                                           const storage::UserRow& user,
                                           storage::Row* set) const;
  std::optional<ApiError> BeforeSessionCreate(AuthContext& ctx, storage::UserRow* user,
                                              storage::Row* session_extra) const;
  std::optional<HttpReply> InterceptSignIn(AuthContext& ctx, const Plugin::SignIn& in) const;
  void AfterSignIn(AuthContext& ctx, const Plugin::SignIn& in, HttpReply* reply) const;
  bool SessionUsable(AuthContext& ctx, const storage::SessionWithUser& found) const;
  bool SessionListed(const storage::SessionRow& session) const;
  // Whether a plugin serves claim source `source`; its value for `found` (null when the
  // plugin has none for it, or no plugin serves it).
  bool ServesClaimSource(std::string_view source) const;
  Result<nlohmann::ordered_json> ClaimSource(AuthContext& ctx, std::string_view source,
                                             const storage::SessionWithUser& found) const;

 private:
  std::vector<std::unique_ptr<Plugin>> plugins_;
};

}  // namespace issuer::server
