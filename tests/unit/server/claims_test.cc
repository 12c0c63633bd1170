// The claim mapping of claims.fromSession / claims.from<Source> (PickClaims), the startup check
// that a picked source is served, the organization plugin's claim source and its options.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/plugins/organization/options.h"
#include "server/plugins/plugin_set.h"
#include "server/session/claim_sources.h"
#include "storage/repository.h"

namespace issuer::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const std::map<std::string, ordered_json> kSources = {
    {"session", ordered_json::parse(R"({"activeOrganizationId": "org1", "userAgent": null})")},
    {"member", ordered_json::parse(
                   R"({"role": "owner", "organization": {"slug": "acme", "metadata": "{}"}})")},
    {"none", ordered_json()}};

std::string Picked(const std::vector<ClaimPick>& picks) {
  return PickClaims(picks, kSources).dump();
}

}  // namespace

TEST_SUITE("claims") {
  TEST_CASE("a pick takes the value at its path, in the picks' order") {
    CHECK(Picked({{"member", "orgRole", "role"},
                  {"member", "orgSlug", "organization.slug"},
                  {"session", "org", "activeOrganizationId"}}) ==
          R"({"orgRole":"owner","orgSlug":"acme","org":"org1"})");
    CHECK(Picked({{"member", "org", "organization"}}) ==
          R"({"org":{"slug":"acme","metadata":"{}"}})");
  }

  TEST_CASE("a null at the path's end is a null claim, a path that ends nowhere adds none") {
    CHECK(Picked({{"session", "ua", "userAgent"}}) == R"({"ua":null})");
    CHECK(Picked({{"session", "x", "nope"}}) == "{}");
    CHECK(Picked({{"member", "x", "role.deeper"}}) == "{}");  // into a string
    CHECK(Picked({{"member", "x", "organization.nope.deeper"}}) == "{}");
    CHECK(Picked({{"member", "x", "organization."}}) == "{}");
  }

  TEST_CASE("a null or absent source adds no claim (no active organization)") {
    CHECK(Picked({{"none", "orgRole", "role"}}) == "{}");
    CHECK(Picked({{"team", "t", "id"}}) == "{}");
  }

  TEST_CASE("a later pick of the same claim wins and keeps the first one's place") {
    CHECK(Picked({{"member", "a", "role"},
                  {"session", "b", "activeOrganizationId"},
                  {"session", "a", "activeOrganizationId"}}) == R"({"a":"org1","b":"org1"})");
  }

  TEST_CASE("a picked source must be served: session always, member by the organization plugin") {
    auto repo = storage::OpenRepository(":memory:");
    REQUIRE(repo.ok());
    ClaimShape shape;
    shape.picks = {{"session", "org", "activeOrganizationId"}};
    auto none = PluginSet::Load(json(), **repo);
    REQUIRE(none.ok());
    CHECK(CheckClaimSources(shape, *none).ok());
    shape.picks.push_back({"member", "orgRole", "role"});
    Status refused = CheckClaimSources(shape, *none);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.rfind("claims.fromMember: no loaded plugin serves", 0) == 0);
    auto with_org = PluginSet::Load(json::parse(R"({"organization": {}})"), **repo);
    REQUIRE(with_org.ok());
    CHECK(with_org->ServesClaimSource("member"));
    CHECK_FALSE(with_org->ServesClaimSource("team"));
    CHECK(CheckClaimSources(shape, *with_org).ok());
    shape.picks.push_back({"team", "t", "id"});
    CHECK(CheckClaimSources(shape, *with_org).error().message.rfind("claims.fromTeam:", 0) == 0);
  }

  TEST_CASE("organization options: Better Auth's defaults, falsy values, unknown ones refused") {
    using organization::ParseOrganizationOptions;
    auto defaults = ParseOrganizationOptions(json::object());
    REQUIRE(defaults.ok());
    CHECK(defaults->allow_user_to_create_organization);
    CHECK_FALSE(defaults->organization_limit.has_value());
    CHECK(defaults->creator_role == "owner");
    CHECK(defaults->membership_limit == 100);
    auto set = ParseOrganizationOptions(json::parse(
        R"({"allowUserToCreateOrganization": false, "organizationLimit": 2, "creatorRole": "",
            "membershipLimit": 0})"));
    REQUIRE(set.ok());
    CHECK_FALSE(set->allow_user_to_create_organization);
    CHECK(*set->organization_limit == 2);
    CHECK(set->creator_role == "owner");      // "" is falsy: the default
    CHECK(set->membership_limit == 100);      // 0 is falsy: the default
    CHECK(ParseOrganizationOptions(json::parse(R"({"teams": {"enabled": true}})"))
              .error().message.rfind("teams: unknown option", 0) == 0);
    CHECK(ParseOrganizationOptions(json::parse(R"({"organizationLimit": "2"})"))
              .error().message.rfind("organizationLimit: expected a number", 0) == 0);
  }
}

}  // namespace issuer::server
