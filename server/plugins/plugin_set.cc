#include "server/plugins/plugin_set.h"

#include <algorithm>

#include "server/plugins/registry.h"

namespace issuer::server {
namespace {

Error Invalid(const std::string& key, const std::string& why) {
  return Error{Errc::kInvalidArgument, key + ": " + why};
}

}  // namespace

Result<PluginSet> PluginSet::Load(const nlohmann::json& section, storage::Repository& repo) {
  if (!section.is_null() && !section.is_object()) return Invalid("plugins", "expected an object");
  const nlohmann::json named = section.is_object() ? section : nlohmann::json::object();
  const auto& entries = RegisteredPlugins();
  for (const auto& [key, options] : named.items()) {
    const std::string name = key;  // clang 14 cannot capture a structured binding
    const bool known = std::any_of(entries.begin(), entries.end(),
                                   [&](const PluginEntry& e) { return name == e.config_name; });
    if (!known) return Invalid("plugins." + name, "unknown plugin");
    if (!options.is_object() && !options.is_boolean()) {
      return Invalid("plugins." + name, "expected an object (its options) or true");
    }
  }
  auto user_columns = repo.Columns("user");
  if (!user_columns.ok()) return user_columns.error();
  std::vector<std::unique_ptr<Plugin>> plugins;
  std::vector<storage::TableDecl> tables;
  for (const PluginEntry& entry : entries) {
    const auto it = named.find(entry.config_name);
    const bool off = it != named.end() && it->is_boolean() && !it->get<bool>();
    const bool implied = entry.implied_by != nullptr &&
                         std::find(user_columns->begin(), user_columns->end(),
                                   entry.implied_by) != user_columns->end();
    if (off && implied) {
      return Invalid(std::string("plugins.") + entry.config_name,
                     std::string("cannot be off: the user table has \"") + entry.implied_by +
                         "\", so the store was written with it");
    }
    if (off || (it == named.end() && !implied)) continue;
    const nlohmann::json options =
        it != named.end() && it->is_object() ? *it : nlohmann::json::object();
    auto plugin = entry.make(options);
    if (!plugin.ok()) {
      return Invalid(std::string("plugins.") + entry.config_name, plugin.error().message);
    }
    for (auto& table : (*plugin)->Schema()) tables.push_back(std::move(table));
    plugins.push_back(std::move(*plugin));
  }
  if (!tables.empty()) {
    if (Status st = repo.DeclareTables(tables); !st.ok()) return st.error();
  }
  return PluginSet(std::move(plugins));
}

bool PluginSet::Has(std::string_view id) const {
  return std::any_of(plugins_.begin(), plugins_.end(),
                     [&](const auto& p) { return p->id() == id; });
}

std::vector<Route> PluginSet::Routes(AuthContext& ctx) const {
  std::vector<Route> routes;
  for (const auto& p : plugins_) {
    for (Route& route : p->Routes(ctx)) routes.push_back(std::move(route));
  }
  return routes;
}

std::vector<Plugin::LimitRule> PluginSet::LimitRules() const {
  std::vector<Plugin::LimitRule> rules;
  for (const auto& p : plugins_) {
    for (auto& rule : p->LimitRules()) rules.push_back(std::move(rule));
  }
  return rules;
}

std::vector<nlohmann::json> PluginSet::SocialProviderConfigs() const {
  std::vector<nlohmann::json> configs;
  for (const auto& p : plugins_) {
    for (auto& config : p->SocialProviderConfigs()) configs.push_back(std::move(config));
  }
  return configs;
}

std::optional<ApiError> PluginSet::BeforeRoute(AuthContext& ctx, std::string_view path,
                                               const HttpRequest& request,
                                               nlohmann::json* body) const {
  for (const auto& p : plugins_) {
    if (auto refused = p->BeforeRoute(ctx, path, request, body)) return refused;
  }
  return std::nullopt;
}

std::optional<ApiError> PluginSet::BeforeUserCreate(AuthContext& ctx, const nlohmann::json* body,
                                                    storage::UserRow* user) const {
  for (const auto& p : plugins_) {
    if (auto refused = p->BeforeUserCreate(ctx, body, user)) return refused;
  }
  return std::nullopt;
}

std::optional<ApiError> PluginSet::BeforeUserUpdate(AuthContext& ctx, const nlohmann::json& body,
                                                    const storage::UserRow& user,
                                                    storage::Row* set) const {
  for (const auto& p : plugins_) {
    if (auto refused = p->BeforeUserUpdate(ctx, body, user, set)) return refused;
  }
  return std::nullopt;
}

std::optional<ApiError> PluginSet::BeforeSessionCreate(AuthContext& ctx, storage::UserRow* user,
                                                       storage::Row* session_extra) const {
  for (const auto& p : plugins_) {
    if (auto refused = p->BeforeSessionCreate(ctx, user, session_extra)) return refused;
  }
  return std::nullopt;
}

std::optional<HttpReply> PluginSet::InterceptSignIn(AuthContext& ctx,
                                                    const Plugin::SignIn& in) const {
  for (const auto& p : plugins_) {
    if (auto reply = p->InterceptSignIn(ctx, in)) return reply;
  }
  return std::nullopt;
}

void PluginSet::AfterSignIn(AuthContext& ctx, const Plugin::SignIn& in, HttpReply* reply) const {
  for (const auto& p : plugins_) p->AfterSignIn(ctx, in, reply);
}

bool PluginSet::SessionUsable(AuthContext& ctx, const storage::SessionWithUser& found) const {
  return std::all_of(plugins_.begin(), plugins_.end(),
                     [&](const auto& p) { return p->SessionUsable(ctx, found); });
}

bool PluginSet::SessionListed(const storage::SessionRow& session) const {
  return std::all_of(plugins_.begin(), plugins_.end(),
                     [&](const auto& p) { return p->SessionListed(session); });
}

namespace {

bool Serves(const Plugin& plugin, std::string_view source) {
  const std::vector<std::string> sources = plugin.ClaimSources();
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

}  // namespace

bool PluginSet::ServesClaimSource(std::string_view source) const {
  return std::any_of(plugins_.begin(), plugins_.end(),
                     [&](const auto& p) { return Serves(*p, source); });
}

Result<nlohmann::ordered_json> PluginSet::ClaimSource(AuthContext& ctx, std::string_view source,
                                                      const storage::SessionWithUser& found) const {
  for (const auto& p : plugins_) {
    if (Serves(*p, source)) return p->ClaimSource(ctx, source, found);
  }
  return nlohmann::ordered_json();
}

}  // namespace issuer::server
