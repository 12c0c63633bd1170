// The admin plugin's parts that need no server: its options, Better Auth's permission rules
// with the default roles, the zod checks of its bodies, and how the registry turns it on.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/plugins/admin/options.h"
#include "server/plugins/admin/wire.h"
#include "server/plugins/plugin_set.h"
#include "storage/repository.h"

namespace issuer::server::admin {
namespace {

using nlohmann::json;

storage::UserRow UserWithRole(const std::string& id, std::optional<std::string> role) {
  storage::UserRow user;
  user.id = id;
  if (role) user.extra.push_back({"role", *role, storage::FieldType::kString});
  else user.extra.push_back({"role", std::monostate(), storage::FieldType::kString});
  return user;
}

std::string ErrorOf(const json& options) {
  auto parsed = ParseAdminOptions(options);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message;
}

}  // namespace

TEST_SUITE("admin-plugin") {
  TEST_CASE("options: Better Auth's defaults, its names, and a clear refusal") {
    auto defaults = ParseAdminOptions(json::object());
    REQUIRE(defaults.ok());
    CHECK(defaults->default_role == "user");
    CHECK(defaults->admin_roles == std::vector<std::string>{"admin"});
    CHECK(defaults->banned_user_message ==
          "You have been banned from this application. Please contact support if you believe "
          "this is an error.");
    CHECK(defaults->impersonation_session_duration_s == 3600);
    CHECK(defaults->default_ban_expires_in_s == 0);

    auto set = ParseAdminOptions(json::parse(R"({"defaultRole":"member","adminRoles":"admin,user",
        "adminUserIds":["u1"],"bannedUserMessage":"No.","defaultBanReason":"Rules",
        "defaultBanExpiresIn":60,"impersonationSessionDuration":0,"allowImpersonatingAdmins":true})"));
    REQUIRE(set.ok());
    CHECK(set->default_role == "member");
    CHECK(set->admin_roles == std::vector<std::string>{"admin", "user"});  // split at commas
    CHECK(set->admin_user_ids == std::vector<std::string>{"u1"});
    CHECK(set->banned_user_message == "No.");
    CHECK(set->default_ban_reason == "Rules");
    CHECK(set->default_ban_expires_in_s == 60);
    CHECK(set->impersonation_session_duration_s == 3600);  // 0 is falsy: the default
    CHECK(set->allow_impersonating_admins);

    CHECK(ErrorOf(json::parse(R"({"roles":{}})")).rfind("roles: unknown option", 0) == 0);
    CHECK(ErrorOf(json::parse(R"({"defaultRole":5})")) == "defaultRole: expected a string");
    CHECK(ErrorOf(json::parse(R"({"adminUserIds":"u1"})")) ==
          "adminUserIds: expected an array of strings");
    CHECK(ErrorOf(json::parse(R"({"defaultBanExpiresIn":-1})")) ==
          "defaultBanExpiresIn: expected a number of seconds (0 or more)");
    // Better Auth checks the roles as split, untrimmed: " user" is not a role.
    CHECK(ErrorOf(json::parse(R"({"adminRoles":"admin, user"})")) ==
          "adminRoles: Invalid admin roles:  user. Admin roles must be defined in the 'roles' "
          "configuration.");
    CHECK(ErrorOf(json::parse(R"({"adminRoles":["admin","owner"]})")) ==
          "adminRoles: Invalid admin roles: owner. Admin roles must be defined in the 'roles' "
          "configuration.");
  }

  TEST_CASE("permissions: the default admin role, the user role, adminUserIds") {
    AdminOptions options;
    options.admin_user_ids = {"boss"};
    const storage::UserRow admin = UserWithRole("a", "admin");
    const storage::UserRow user = UserWithRole("u", "user");
    const storage::UserRow both = UserWithRole("b", "user,admin");
    const storage::UserRow spaced = UserWithRole("s", "user, admin");  // not trimmed
    const storage::UserRow boss = UserWithRole("boss", "user");
    for (const char* action : {"ban", "set-role", "list", "impersonate"}) {
      CHECK(HasPermission(options, admin, "user", action));
      CHECK(HasPermission(options, both, "user", action));
      CHECK_FALSE(HasPermission(options, user, "user", action));
      CHECK_FALSE(HasPermission(options, spaced, "user", action));
      CHECK(HasPermission(options, boss, "user", action));
    }
    CHECK(HasPermission(options, admin, "session", "revoke"));
    CHECK_FALSE(HasPermission(options, user, "session", "revoke"));
    CHECK_FALSE(HasPermission(options, admin, "user", "impersonate-admins"));
    CHECK(HasPermission(options, boss, "user", "impersonate-admins"));

    // No role: defaultRole decides (here one that grants).
    options.default_role = "admin";
    CHECK(HasPermission(options, UserWithRole("n", std::nullopt), "user", "ban"));
    options.default_role = "user";
    CHECK_FALSE(HasPermission(options, UserWithRole("n", std::nullopt), "user", "ban"));
  }

  TEST_CASE("impersonate-user's notion of an admin: adminRoles and adminUserIds") {
    AdminOptions options;
    options.admin_user_ids = {"boss"};
    CHECK(CountsAsAdmin(options, UserWithRole("a", "admin")));
    CHECK(CountsAsAdmin(options, UserWithRole("b", "user,admin")));
    CHECK(CountsAsAdmin(options, UserWithRole("boss", "user")));
    CHECK_FALSE(CountsAsAdmin(options, UserWithRole("u", "user")));
    options.admin_roles = {"user"};  // an admin role that grants nothing still counts here
    CHECK(CountsAsAdmin(options, UserWithRole("u", "user")));
  }

  TEST_CASE("zod's messages for the admin bodies") {
    const std::vector<ZodField> fields = {{"userId", Zod::kCoercedString},
                                          {"banReason", Zod::kOptionalString},
                                          {"banExpiresIn", Zod::kOptionalNumber},
                                          {"role", Zod::kRole}};
    auto issues = ValidateBody(json::parse(R"({"banReason":4,"banExpiresIn":"x","role":[1]})"),
                               fields);
    REQUIRE(issues);
    CHECK(issues->message ==
          "[body.userId] Invalid input: expected nonoptional, received undefined; "
          "[body.banReason] Invalid input: expected string, received number; "
          "[body.banExpiresIn] Invalid input: expected number, received string; "
          "[body.role] Invalid input");
    CHECK_FALSE(ValidateBody(json::parse(R"({"userId":null,"role":["a","b"]})"), fields));
    auto not_object = ValidateBody(Body(), fields);
    REQUIRE(not_object);
    CHECK(not_object->message == "[body] Invalid input: expected object, received undefined");
  }

  TEST_CASE("String(value) and Number(text) as JavaScript reads them") {
    CHECK(JsString(json(nullptr)) == "null");
    CHECK(JsString(json(5)) == "5");
    CHECK(JsString(json(1.5)) == "1.5");
    CHECK(JsString(json(true)) == "true");
    CHECK(JsString(json::parse(R"(["a",null,2])")) == "a,,2");
    CHECK(JsString(json::object()) == "[object Object]");
    CHECK(JsNumber("") == 0.0);
    CHECK(JsNumber(" 12 ") == 12.0);
    CHECK(JsNumber("0x10") == 16.0);
    CHECK(JsNumber("1e1") == 10.0);
    CHECK_FALSE(JsNumber("abc"));
    CHECK_FALSE(JsNumber("nan"));
    CHECK_FALSE(JsNumber("12px"));
  }

  TEST_CASE("the registry: a user table with `banned` turns the plugin on, and a bad option names itself") {
    auto repo = storage::OpenRepository(":memory:");
    REQUIRE(repo.ok());
    auto none = PluginSet::Load(json(), **repo);
    REQUIRE(none.ok());
    CHECK_FALSE(none->Has("admin"));
    auto named = PluginSet::Load(json::parse(R"({"admin":{}})"), **repo);
    REQUIRE(named.ok());
    CHECK(named->Has("admin"));
    auto columns = (*repo)->Columns("user");
    REQUIRE(columns.ok());
    for (const char* column : {"role", "banned", "banReason", "banExpires"}) {
      CHECK(std::find(columns->begin(), columns->end(), column) != columns->end());
    }
    auto implied = PluginSet::Load(json(), **repo);  // the column is there now
    REQUIRE(implied.ok());
    CHECK(implied->Has("admin"));
    auto off = PluginSet::Load(json::parse(R"({"admin":false})"), **repo);
    CHECK_FALSE(off.ok());
    auto bad = PluginSet::Load(json::parse(R"({"admin":{"bannedMessage":"x"}})"), **repo);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.rfind("plugins.admin: bannedMessage: unknown option", 0) == 0);
  }
}

}  // namespace issuer::server::admin
