// Better Auth's organization plugin: its schema, its routes and the claim source "member".
#include "server/plugins/organization/organization.h"

#include "server/plugins/organization/options.h"
#include "server/plugins/organization/routes.h"
#include "server/plugins/organization/store.h"
#include "server/session/render.h"

namespace issuer::server {
namespace organization {
namespace {

constexpr char kMemberSource[] = "member";

class OrganizationPlugin : public Plugin {
 public:
  explicit OrganizationPlugin(OrganizationOptions options) : options_(std::move(options)) {}

  std::string_view id() const override { return "organization"; }

  std::vector<storage::TableDecl> Schema() const override { return OrganizationSchema(); }

  std::vector<Route> Routes(AuthContext& ctx) override {
    struct Entry {
      const char* method;
      const char* path;
      Endpoint endpoint;
    };
    static constexpr Entry kEntries[] = {
        {"POST", "/organization/create", &Create},
        {"POST", "/organization/check-slug", &CheckSlug},
        {"POST", "/organization/set-active", &SetActive},
        {"GET", "/organization/list", &List},
        {"GET", "/organization/get-full-organization", &GetFullOrganization},
        {"GET", "/organization/get-active-member", &GetActiveMember}};
    std::vector<Route> routes;
    for (const Entry& e : kEntries) {
      Endpoint endpoint = e.endpoint;
      routes.push_back(Route{e.method, ctx.config.base_path + e.path,
                             [&ctx, this, endpoint](const HttpRequest& r) {
                               return endpoint(ctx, options_, r);
                             },
                             false, e.path});
    }
    return routes;
  }

  std::vector<std::string> ClaimSources() const override { return {kMemberSource}; }

  // "member": the member of the session's active organization (its fields as the member table
  // holds them, dates ISO) with "organization" (the organization's row, metadata the stored
  // text); null without an active organization or when the user is no member of it.
  Result<OrderedJson> ClaimSource(AuthContext& ctx, std::string_view /*source*/,
                                  const storage::SessionWithUser& found) override {
    const std::string active = ActiveOrganizationOf(found.session);
    if (active.empty()) return OrderedJson();
    auto member = FindMember(ctx, found.user.id, active);
    if (!member.ok()) return member.error();
    if (!member->has_value()) return OrderedJson();
    auto organization = FindOrganization(ctx, "id", active);
    if (!organization.ok()) return organization.error();
    OrderedJson out = RowJson(**member, kMemberFields);
    out["organization"] = organization->has_value()
                              ? RowJson(**organization, kOrganizationFields)
                              : OrderedJson(nullptr);
    return out;
  }

 private:
  const OrganizationOptions options_;
};

}  // namespace
}  // namespace organization

Result<std::unique_ptr<Plugin>> MakeOrganization(const nlohmann::json& options) {
  auto parsed = organization::ParseOrganizationOptions(options);
  if (!parsed.ok()) return parsed.error();
  return std::unique_ptr<Plugin>(
      std::make_unique<organization::OrganizationPlugin>(std::move(*parsed)));
}

}  // namespace issuer::server
