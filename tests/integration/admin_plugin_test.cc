// The admin plugin in the in-process server, on its fixed clock: the hooks on sign-up and
// sign-in (default role, ban, ban expiry), role typed in the token claims, leftover sessions of
// a banned user, each admin route with its permission, impersonation and its way back, and the
// test API's allowBanned.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "keys/encoding.h"
#include "tests/support/issuer.h"
#include "tests/support/test_server.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

constexpr char kPassword[] = "password123";

// A TestServer whose config file turns the admin plugin on with `options`.
TestServer::Options AdminServer(const std::string& options = "{}") {
  TestServer::Options o;
  const std::string file =
      WriteTempFile("admin-plugin.json", R"({"plugins":{"admin":)" + options + "}}");
  o.extra_args = {"--config", file, "--test-api"};
  return o;
}

struct Client {
  TestServer& srv;

  httplib::Result Post(const std::string& path, const json& body, const std::string& cookie = "") {
    httplib::Headers headers = {{"Origin", srv.origin()}};
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    return srv.client().Post(("/api/auth" + path).c_str(), headers, body.dump(), "application/json");
  }
  httplib::Result Get(const std::string& path, const std::string& cookie = "") {
    httplib::Headers headers;
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    return srv.client().Get(("/api/auth" + path).c_str(), headers);
  }
  // The Cookie header of every non-empty cookie a reply sets.
  static std::string Cookies(const httplib::Result& res) {
    std::string out;
    auto range = res->headers.equal_range("Set-Cookie");
    for (auto it = range.first; it != range.second; ++it) {
      const std::string pair = it->second.substr(0, it->second.find(';'));
      if (pair.find('=') + 1 == pair.size()) continue;  // a cookie being deleted
      out += (out.empty() ? "" : "; ") + pair;
    }
    return out;
  }
  // Signs up `email` and returns {id, cookie}.
  std::pair<std::string, std::string> SignUp(const std::string& email) {
    auto res = Post("/sign-up/email", {{"name", "N"}, {"email", email}, {"password", kPassword}});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return {json::parse(res->body)["user"]["id"], Cookies(res)};
  }
  httplib::Result SignIn(const std::string& email) {
    return Post("/sign-in/email", {{"email", email}, {"password", kPassword}});
  }
  // A user made admin in the store, and a session cookie of theirs.
  std::string Admin(const std::string& email) {
    const std::string id = SignUp(email).first;
    auto set = srv.store().UpdateRows("user", {{"id", id}},
                                      {{"role", std::string("admin"), storage::FieldType::kString}});
    REQUIRE(set.ok());
    auto res = SignIn(email);
    REQUIRE(res->status == 200);
    return Cookies(res);
  }
};

json Body(const httplib::Result& res) { return json::parse(res->body); }

json Claims(const std::string& jwt) {
  const size_t a = jwt.find('.'), b = jwt.find('.', a + 1);
  auto payload = keys::Base64UrlDecode(jwt.substr(a + 1, b - a - 1));
  REQUIRE(payload.ok());
  return json::parse(*payload);
}

json StoredUser(TestServer& srv, const std::string& id) {
  auto rows = srv.store().FindRows("user", {{"id", id}}, {});
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  json out;
  for (const auto& column : (*rows)[0]) {
    if (const auto* i = std::get_if<int64_t>(&column.value)) out[column.name] = *i;
    else if (const auto* s = std::get_if<std::string>(&column.value)) out[column.name] = *s;
    else out[column.name] = nullptr;
  }
  return out;
}

}  // namespace

TEST_SUITE("admin-plugin") {
  TEST_CASE("sign-up gets the default role, and role and banned are typed in answers and claims") {
    TestServer srv(AdminServer(R"({"defaultRole":"member"})"));
    Client c{srv};
    auto res = c.Post("/sign-up/email", {{"name", "A"}, {"email", "a@example.com"},
                                         {"password", kPassword}, {"banned", true}});
    REQUIRE(res->status == 200);
    const json user = Body(res)["user"];
    CHECK(user["role"] == "member");
    CHECK(user["banned"] == false);
    CHECK(user["banReason"].is_null());
    CHECK(user["banExpires"].is_null());
    auto token = c.Get("/token", Client::Cookies(res));
    REQUIRE(token->status == 200);
    const json claims = Claims(Body(token)["token"]);
    CHECK(claims["role"] == "member");
    CHECK(claims["banned"] == false);

    auto refused = c.Post("/sign-up/email", {{"name", "B"}, {"email", "b@example.com"},
                                             {"password", kPassword}, {"role", "admin"}});
    CHECK(refused->status == 400);
    CHECK(Body(refused) == json{{"message", "role is not allowed to be set"},
                                {"code", "FIELD_NOT_ALLOWED"}});
    auto update = c.Post("/update-user", {{"banned", true}}, Client::Cookies(res));
    CHECK(update->status == 400);
    CHECK(Body(update)["code"] == "FIELD_NOT_ALLOWED");
  }

  TEST_CASE("ban-user: no session, no sign-in, and an ended ban is lifted on the next sign-in") {
    TestServer srv(AdminServer(R"({"bannedUserMessage":"Suspended."})"));
    Client c{srv};
    const std::string admin = c.Admin("root@example.com");
    auto [bob, bob_cookie] = c.SignUp("bob@example.com");
    auto ban = c.Post("/admin/ban-user", {{"userId", bob}, {"banExpiresIn", 60}}, admin);
    REQUIRE(ban->status == 200);
    CHECK(Body(ban)["user"]["banned"] == true);
    CHECK(Body(ban)["user"]["banReason"] == "No reason");
    CHECK(c.Get("/get-session", bob_cookie)->body == "null");  // its sessions were deleted
    auto refused = c.SignIn("bob@example.com");
    CHECK(refused->status == 403);
    CHECK(Body(refused) == json{{"message", "Suspended."}, {"code", "BANNED_USER"}});
    CHECK(refused->get_header_value("Set-Cookie").empty());

    srv.clock().Advance(61'000);
    auto lifted = c.SignIn("bob@example.com");
    REQUIRE(lifted->status == 200);
    CHECK(Body(lifted)["user"]["banned"] == true);  // the user as read, as Better Auth answers
    const json row = StoredUser(srv, bob);
    CHECK(row["banned"] == 0);
    CHECK(row["banReason"].is_null());
    CHECK(row["banExpires"].is_null());
    CHECK(c.Get("/get-session", Client::Cookies(lifted))->status == 200);

    auto self = c.Post("/admin/ban-user", {{"userId", Body(c.Get("/get-session", admin))["user"]["id"]}}, admin);
    CHECK(self->status == 400);
    CHECK(Body(self)["code"] == "YOU_CANNOT_BAN_YOURSELF");
    auto unknown = c.Post("/admin/ban-user", {{"userId", "nobody"}}, admin);
    CHECK(unknown->status == 404);
    CHECK(Body(unknown)["code"] == "USER_NOT_FOUND");
  }

  TEST_CASE("a banned user's leftover session serves nothing, a lifted ban's does") {
    TestServer srv(AdminServer());
    Client c{srv};
    auto [id, cookie] = c.SignUp("carol@example.com");
    REQUIRE(srv.store().UpdateRows("user", {{"id", id}},
                                   {{"banned", int64_t{1}, storage::FieldType::kBoolean}}).ok());
    CHECK(c.Get("/get-session", cookie)->body == "null");
    CHECK(c.Get("/token", cookie)->status == 401);
    const int64_t past = kTestEpochMs - 1000;
    REQUIRE(srv.store().UpdateRows("user", {{"id", id}},
                                   {{"banExpires", past, storage::FieldType::kDate}}).ok());
    CHECK(c.Get("/token", cookie)->status == 200);  // the ban has ended
  }

  TEST_CASE("every admin route: 401 with an empty JSON body without a session, 403 for a user") {
    TestServer srv(AdminServer());
    Client c{srv};
    const std::string user = c.SignUp("dave@example.com").second;
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"/admin/ban-user", "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"},
        {"/admin/unban-user", "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS"},
        {"/admin/set-role", "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE"},
        {"/admin/revoke-user-sessions", "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS"},
        {"/admin/impersonate-user", "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS"}};
    for (const auto& [path, code] : routes) {
      const std::string& shown = path;  // CAPTURE cannot take a structured binding (clang 14)
      CAPTURE(shown);
      auto none = c.Post(path, {{"userId", "x"}, {"role", "admin"}});
      CHECK(none->status == 401);
      CHECK(none->body.empty());
      CHECK(none->get_header_value("Content-Type") == "application/json");
      auto denied = c.Post(path, {{"userId", "x"}, {"role", "admin"}}, user);
      CHECK(denied->status == 403);
      CHECK(Body(denied)["code"] == code);
    }
    CHECK(c.Get("/admin/list-users", user)->status == 403);
    CHECK(c.Get("/admin/list-users")->status == 401);
  }

  TEST_CASE("set-role, list-users and revoke-user-sessions") {
    TestServer srv(AdminServer());
    Client c{srv};
    const std::string admin = c.Admin("root@example.com");
    auto [eve, eve_cookie] = c.SignUp("eve@example.com");
    auto role = c.Post("/admin/set-role", {{"userId", eve}, {"role", {"admin", "user"}}}, admin);
    REQUIRE(role->status == 200);
    CHECK(Body(role)["user"]["role"] == "admin,user");
    auto list = c.Get("/admin/list-users?searchValue=eve&limit=5", admin);
    REQUIRE(list->status == 200);
    CHECK(Body(list)["total"] == 1);
    CHECK(Body(list)["limit"] == 5);
    CHECK_FALSE(Body(list).contains("offset"));
    CHECK(Body(list)["users"][0]["email"] == "eve@example.com");
    auto sorted = c.Get("/admin/list-users?sortBy=email&sortDirection=desc", admin);
    CHECK(Body(sorted)["users"][0]["email"] == "root@example.com");
    auto bad_sort = c.Get("/admin/list-users?sortBy=nope", admin);
    CHECK(Body(bad_sort) == json{{"users", json::array()}, {"total", 0}});
    auto filtered = c.Get("/admin/list-users?filterField=banned&filterValue=false", admin);
    CHECK(Body(filtered)["total"] == 2);
    auto revoke = c.Post("/admin/revoke-user-sessions", {{"userId", eve}}, admin);
    CHECK(Body(revoke) == json{{"success", true}});
    CHECK(c.Get("/get-session", eve_cookie)->body == "null");
  }

  TEST_CASE("impersonate-user and stop-impersonating: a marked session, then the admin's own") {
    TestServer srv(AdminServer(R"({"impersonationSessionDuration":600})"));
    Client c{srv};
    const std::string admin = c.Admin("root@example.com");
    const std::string frank = c.SignUp("frank@example.com").first;
    auto imp = c.Post("/admin/impersonate-user", {{"userId", frank}}, admin);
    REQUIRE(imp->status == 200);
    const json session = Body(imp)["session"];
    CHECK(session["userId"] == frank);
    CHECK_FALSE(session["impersonatedBy"].is_null());
    const std::string jar = Client::Cookies(imp) + "; " + admin;  // the new cookies come first
    CHECK(jar.find("better-auth.admin_session=") != std::string::npos);
    auto as_frank = c.Get("/get-session", jar);
    CHECK(Body(as_frank)["user"]["id"] == frank);
    CHECK(Body(as_frank)["session"]["impersonatedBy"] == session["impersonatedBy"]);
    CHECK(Body(c.Get("/list-sessions", jar)).size() == 1);  // the impersonation one is hidden

    auto back = c.Post("/admin/stop-impersonating", json::object(), jar);
    REQUIRE(back->status == 200);
    CHECK(Body(back)["user"]["email"] == "root@example.com");
    CHECK(c.Get("/get-session", Client::Cookies(back))->status == 200);
    CHECK(c.Get("/get-session", jar)->body == "null");  // the impersonation session is gone
    auto not_imp = c.Post("/admin/stop-impersonating", json::object(), admin);
    CHECK(not_imp->status == 400);
    CHECK(Body(not_imp) == json{{"message", "You are not impersonating anyone"}});

    auto admins = c.Post("/admin/impersonate-user",
                         {{"userId", Body(c.Get("/get-session", admin))["user"]["id"]}}, admin);
    CHECK(admins->status == 403);
    CHECK(Body(admins)["code"] == "YOU_CANNOT_IMPERSONATE_ADMINS");
  }

  TEST_CASE("the test API refuses a banned user's session unless allowBanned: true") {
    TestServer srv(AdminServer());
    auto post = [&](const json& body) {
      return srv.client().Post("/__test/sessions", body.dump(), "application/json");
    };
    auto made = post({{"email", "gina@example.com"}, {"banned", true},
                      {"banExpires", "2099-01-01T00:00:00.000Z"}, {"role", "user"}});
    CHECK(made->status == 403);
    CHECK(Body(made)["code"] == "BANNED_USER");
    auto bad = post({{"email", "hank@example.com"}, {"banExpires", "soon"}});
    CHECK(bad->status == 400);
    CHECK(Body(bad)["message"] == "banExpires: expected an ISO date or Unix milliseconds");
    auto on_purpose = post({{"email", "gina@example.com"}, {"allowBanned", true}});
    REQUIRE(on_purpose->status == 200);
    const json user = Body(on_purpose)["user"];
    CHECK(user["banned"] == true);
    CHECK(user["banExpires"] == "2099-01-01T00:00:00.000Z");
    CHECK(srv.client()
              .Get("/api/auth/get-session", {{"Cookie", Body(on_purpose)["cookie"].get<std::string>()}})
              ->body == "null");
  }
}

}  // namespace issuer::testing
