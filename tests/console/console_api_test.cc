// The dev console's routes without sockets: the page and every /__test route it reads, the
// test API's refusals (peers that are not loopback, untrusted pages), bad input, the change
// counter, the standby rotation and the server's verdict on each bad kind of test token.
#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/clock.h"
#include "common/time_format.h"
#include "server/config/config.h"
#include "server/console/assets.h"
#include "server/console/console.h"
#include "server/console/verdict.h"
#include "server/fixture/test_api.h"
#include "server/session/routes.h"
#include "storage/repository.h"

namespace issuer::server {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z
constexpr char kOrigin[] = "http://localhost:3000";

void SodiumFill(unsigned char* out, size_t len) { randombytes_buf(out, len); }

// An AuthContext over an in-memory store at a fixed clock, with the Better Auth routes, the
// test API and the console's routes, counted as the App counts them.
struct Console {
  Console() {
    config.base_origin = kOrigin;
    config.test_api = config.console = true;
    secrets.ring.current = "console-unit-secret-0123456789abcdefghijkl";
    secrets.cookie_secret = secrets.ring.current;
    repo = storage::OpenRepository(":memory:").value();
    keys = std::make_unique<KeyManager>(*repo, secrets.ring, config.key_policy, clock, &SodiumFill,
                                        log);
    REQUIRE(keys->Maintain().ok());
    ctx = std::make_unique<AuthContext>(config, secrets, *repo, *keys, clock, &SodiumFill, log);
    routes = AuthRoutes(*ctx);
    for (Route& r : TestApiRoutes(*ctx, clock, seed)) routes.push_back(std::move(r));
    for (Route& r : console::ConsoleRoutes(*ctx, changes)) routes.push_back(std::move(r));
    routes = console::WithChangeCount(std::move(routes), changes);
  }

  HttpReply Call(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::string& peer = "127.0.0.1", const std::string& origin = "",
                 std::map<std::string, std::string> query = {}) {
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.peer = peer;
    request.body = body;
    request.query = std::move(query);
    request.headers.emplace("host", "localhost:3000");
    request.headers.emplace("user-agent", "console-unit");
    if (!body.empty()) request.headers.emplace("content-type", "application/json");
    if (!origin.empty()) request.headers.emplace("origin", origin);
    for (const Route& route : routes) {
      if (route.Matches(method, path)) return route.handler(request);
    }
    FAIL("no route ", method, " ", path);
    return {};
  }

  // The JSON answer of a call that must answer `status`.
  json Json(const std::string& method, const std::string& path, const json& body = nullptr,
            int status = 200, std::map<std::string, std::string> query = {}) {
    const HttpReply reply =
        Call(method, path, body.is_null() ? "" : body.dump(), "127.0.0.1", "", std::move(query));
    INFO(method, " ", path, " -> ", reply.body);
    REQUIRE(reply.status == status);
    return reply.body.empty() ? json() : json::parse(reply.body);
  }

  // The wire error of a call: {status, code}.
  std::pair<int, std::string> Refusal(const std::string& method, const std::string& path,
                                      const json& body) {
    const HttpReply reply = Call(method, path, body.dump());
    INFO(reply.body);
    const json parsed = json::parse(reply.body);
    CHECK(parsed.contains("message"));
    return {reply.status, parsed.value("code", "")};
  }

  uint64_t Version() { return Json("GET", "/__test/changes")["version"]; }

  Config config;
  Secrets secrets;
  Clock clock = Clock::Fixed(kT0);
  Logger log{nullptr, clock};
  std::unique_ptr<storage::Repository> repo;
  std::unique_ptr<KeyManager> keys;
  std::unique_ptr<AuthContext> ctx;
  std::vector<UserSpec> seed;
  std::shared_ptr<console::ChangeCounter> changes = std::make_shared<console::ChangeCounter>();
  std::vector<Route> routes;
};

const std::vector<std::pair<std::string, std::string>> kConsoleRoutes = {
    {"GET", "/__console"},
    {"GET", "/__console/"},
    {"GET", "/__console/console.js"},
    {"GET", "/__test/users"},
    {"POST", "/__test/users"},
    {"GET", "/__test/users/detail"},
    {"POST", "/__test/users/update"},
    {"POST", "/__test/users/delete"},
    {"POST", "/__test/users/sign-in-as"},
    {"GET", "/__test/sessions"},
    {"POST", "/__test/sessions/revoke"},
    {"GET", "/__test/keys"},
    {"POST", "/__test/keys/rotate"},
    {"POST", "/__test/keys/revoke"},
    {"POST", "/__test/verify"},
    {"GET", "/__test/info"},
    {"GET", "/__test/changes"}};

std::string Header(const HttpReply& reply, const std::string& name) {
  for (const auto& [n, v] : reply.headers) {
    if (n == name) return v;
  }
  return "";
}

std::set<std::string> ProblemCodes(const json& verdict) {
  std::set<std::string> codes;
  for (const json& p : verdict["problems"]) codes.insert(p["code"].get<std::string>());
  return codes;
}

}  // namespace

TEST_SUITE("console") {
  TEST_CASE("every console route answers loopback peers only, and pages of trusted origins only") {
    Console c;
    for (const auto& [method, path] : kConsoleRoutes) {
      const std::string shown = method + " " + path;
      CAPTURE(shown);
      for (const char* peer : {"10.1.2.3", "192.168.0.9", "::ffff:10.0.0.1", ""}) {
        CAPTURE(peer);
        const HttpReply refused = c.Call(method, path, method == "POST" ? "{}" : "", peer);
        CHECK(refused.status == 404);
        CHECK(refused.body.empty());
      }
      const HttpReply foreign =
          c.Call(method, path, method == "POST" ? "{}" : "", "127.0.0.1", "https://evil.example");
      CHECK(foreign.status == 403);
      CHECK(json::parse(foreign.body)["code"] == "INVALID_ORIGIN");
    }
  }

  TEST_CASE("the page: embedded files with their types, a CSP that allows only the server") {
    Console c;
    REQUIRE(console::FindAsset("index.html") != nullptr);
    for (const char* path : {"/__console", "/__console/", "/__console/index.html"}) {
      CAPTURE(path);
      const HttpReply page = c.Call("GET", path);
      CHECK(page.status == 200);
      CHECK(page.content_type == "text/html; charset=utf-8");
      CHECK(page.body.find("/__console/console.js") != std::string::npos);
      CHECK(Header(page, "Content-Security-Policy").rfind("default-src 'self';", 0) == 0);
      CHECK(Header(page, "X-Content-Type-Options") == "nosniff");
    }
    CHECK(c.Call("GET", "/__console/console.js").content_type == "text/javascript; charset=utf-8");
    CHECK(c.Call("GET", "/__console/console.css").content_type == "text/css; charset=utf-8");
    const HttpReply missing = c.Call("GET", "/__console/secrets.txt");
    CHECK(missing.status == 404);
    CHECK(missing.body.empty());
  }

  TEST_CASE("users: create, search, detail, edit, delete, and bad input answers {message, code}") {
    Console c;
    const json made = c.Json("POST", "/__test/users",
                             {{"email", "Ada@Example.com"},
                              {"name", "Ada"},
                              {"password", "ada-password"},
                              {"emailVerified", true}});
    const std::string id = made["user"]["id"];
    CHECK(made["user"]["email"] == "ada@example.com");
    CHECK(made["user"]["emailVerified"] == true);
    c.clock.Advance(1000);
    c.Json("POST", "/__test/users", {{"email", "bob@example.com"}});
    CHECK(c.Refusal("POST", "/__test/users", {{"email", "ada@example.com"}}) ==
          std::make_pair(422, std::string("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")));
    CHECK(c.Refusal("POST", "/__test/users", {{"email", "x@example.com"}, {"password", "short"}}) ==
          std::make_pair(400, std::string("VALIDATION_ERROR")));

    const json all = c.Json("GET", "/__test/users");
    CHECK(all["total"] == 2);
    CHECK(all["users"][0]["email"] == "bob@example.com");  // newest first
    const json found = c.Json("GET", "/__test/users", nullptr, 200, {{"search", "ADA"}});
    REQUIRE(found["users"].size() == 1);
    CHECK(found["users"][0]["id"] == id);
    CHECK(c.Json("GET", "/__test/users", nullptr, 200, {{"search", "nobody"}})["users"].empty());
    c.Json("GET", "/__test/users", nullptr, 400, {{"limit", "0"}});

    const json detail = c.Json("GET", "/__test/users/detail", nullptr, 200, {{"id", id}});
    REQUIRE(detail["accounts"].size() == 1);
    CHECK(detail["accounts"][0]["providerId"] == "credential");
    CHECK(detail["accounts"][0]["password"] == true);  // that one is set, never its hash
    CHECK(detail["sessions"].empty());
    CHECK(c.Json("GET", "/__test/users/detail", nullptr, 404, {{"id", "nope"}})["code"] ==
          "USER_NOT_FOUND");

    const json edited = c.Json("POST", "/__test/users/update",
                               {{"id", id}, {"name", "Ada L."}, {"emailVerified", false}});
    CHECK(edited["user"]["name"] == "Ada L.");
    CHECK(edited["user"]["emailVerified"] == false);
    CHECK(c.repo->FindUserById(id).value()->name == "Ada L.");
    CHECK(c.Refusal("POST", "/__test/users/update", {{"id", id}}).first == 400);
    CHECK(c.Refusal("POST", "/__test/users/update", {{"id", id}, {"name", ""}}).first == 400);
    CHECK(c.Refusal("POST", "/__test/users/update", {{"id", id}, {"emailVerified", "yes"}}).first ==
          400);
    CHECK(c.Refusal("POST", "/__test/users/update", {{"id", "nope"}, {"name", "x"}}) ==
          std::make_pair(404, std::string("USER_NOT_FOUND")));
    CHECK(c.Refusal("POST", "/__test/users/update", json::array()).first == 400);

    CHECK(c.Json("POST", "/__test/users/delete", {{"id", id}})["success"] == true);
    CHECK_FALSE(c.repo->FindUserById(id).value().has_value());
    CHECK(c.Refusal("POST", "/__test/users/delete", {{"id", id}}).first == 404);
  }

  TEST_CASE("sign in as: the session cookie as sign-in sets it, and the session is real") {
    Console c;
    const std::string id =
        c.Json("POST", "/__test/users", {{"email", "eve@example.com"}})["user"]["id"];
    const HttpReply reply = c.Call("POST", "/__test/users/sign-in-as", json{{"id", id}}.dump());
    REQUIRE(reply.status == 200);
    const std::string cookie = Header(reply, "Set-Cookie");
    CHECK(cookie.rfind("better-auth.session_token=", 0) == 0);
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("Max-Age=604800") != std::string::npos);
    const json body = json::parse(reply.body);
    CHECK(body["session"]["userId"] == id);
    CHECK_FALSE(body["session"].contains("token"));
    const std::string token = cookie.substr(26, cookie.find('.', 26) - 26);
    auto session = c.repo->FindSessionWithUser(token);
    REQUIRE(session.ok());
    REQUIRE(session->has_value());
    CHECK((*session)->user.id == id);
    CHECK(c.Refusal("POST", "/__test/users/sign-in-as", {{"id", "nope"}}).first == 404);
  }

  TEST_CASE("sessions: newest first, without their tokens, revoked one, a user's or every one") {
    Console c;
    const json a = c.Json("POST", "/__test/sessions", {{"email", "a@example.com"}});
    c.clock.Advance(1000);
    const json b = c.Json("POST", "/__test/sessions", {{"email", "b@example.com"}});
    c.clock.Advance(1000);
    c.Json("POST", "/__test/sessions", {{"email", "b@example.com"}});
    const json list = c.Json("GET", "/__test/sessions");
    REQUIRE(list["sessions"].size() == 3);
    CHECK(list["sessions"][2]["id"] == a["session"]["id"]);
    CHECK(list["sessions"][0]["user"]["email"] == "b@example.com");
    CHECK(list["sessions"][0]["userAgent"] == "console-unit");
    CHECK(list["sessions"][0]["state"] == "active");
    for (const json& s : list["sessions"]) CHECK_FALSE(s.contains("token"));
    CHECK(c.Json("GET", "/__test/sessions", nullptr, 200,
                 {{"userId", b["user"]["id"].get<std::string>()}})["sessions"]
              .size() == 2);

    CHECK(c.Json("POST", "/__test/sessions/revoke", {{"id", a["session"]["id"]}})["revoked"] == 1);
    CHECK_FALSE(
        c.repo->FindSessionWithUser(a["session"]["token"].get<std::string>()).value().has_value());
    CHECK(c.Refusal("POST", "/__test/sessions/revoke", {{"id", "nope"}}) ==
          std::make_pair(404, std::string("SESSION_NOT_FOUND")));
    CHECK(c.Refusal("POST", "/__test/sessions/revoke", json::object()).first == 400);
    CHECK(c.Refusal("POST", "/__test/sessions/revoke", {{"id", "x"}, {"all", true}}).first == 400);
    CHECK(c.Json("POST", "/__test/sessions/revoke", {{"userId", b["user"]["id"]}})["revoked"] == 2);
    c.Json("POST", "/__test/sessions", {{"email", "a@example.com"}});
    CHECK(c.Json("POST", "/__test/sessions/revoke", {{"all", true}})["revoked"] == 1);
    CHECK(c.Json("GET", "/__test/sessions")["sessions"].empty());
  }

  TEST_CASE("a session past its expiry is listed as expired, a refreshed one as refreshed") {
    Console c;
    const json made = c.Json("POST", "/__test/sessions", {{"email", "r@example.com"}});
    c.clock.Advance(86400 * 1000);
    // The HTTP layer hands the handlers cookie values decoded: the raw signed value.
    HttpRequest get;
    get.method = "GET";
    get.path = "/api/auth/get-session";
    get.peer = "127.0.0.1";
    get.headers.emplace("host", "localhost:3000");
    get.headers.emplace("cookie", "better-auth.session_token=" + made["bearer"].get<std::string>());
    const uint64_t before = c.Version();
    const Route* route = nullptr;
    for (const Route& r : c.routes) {
      if (r.Matches("GET", get.path)) route = &r;
    }
    REQUIRE(route != nullptr);
    const HttpReply reply = route->handler(get);
    CHECK(json::parse(reply.body)["session"]["id"] == made["session"]["id"]);
    CHECK(c.Version() > before);  // the refresh set the cookie again
    const json listed = c.Json("GET", "/__test/sessions");
    CHECK(listed["sessions"][0]["refreshed"] == true);
    c.clock.Advance(8LL * 86400 * 1000);
    const json later = c.Json("GET", "/__test/sessions");
    CHECK(later["sessions"][0]["state"] == "expired");
  }

  TEST_CASE("keys: a standby that takes over after the lead time, rotate now, revoke") {
    Console c;
    const json ring = c.Json("GET", "/__test/keys");
    REQUIRE(ring["keys"].size() == 1);
    const std::string first = ring["keys"][0]["kid"];
    CHECK(ring["keys"][0]["state"] == "active");
    CHECK(ring["keys"][0]["expiresAt"].is_null());
    CHECK(ring["keys"][0]["publishedUntil"].is_null());
    CHECK(ring["leadTime"] == 300);

    const json staged = c.Json("POST", "/__test/keys/rotate", json::object());
    const std::string standby = staged["kid"];
    CHECK(staged["signsAt"] == FormatIsoMs(kT0 + 300'000));
    std::map<std::string, std::string> states;
    for (const json& k : staged["keys"]) states[k["kid"]] = k["state"];
    CHECK(states[standby] == "standby");
    CHECK(states[first] == "active");
    // Published at once, signing not yet.
    CHECK(c.keys->JwksJson().value().find(standby) != std::string::npos);
    CHECK(c.keys->CurrentSigner().value().key->row.kid == first);
    CHECK(c.Refusal("POST", "/__test/keys/rotate", json::object()) ==
          std::make_pair(409, std::string("STANDBY_EXISTS")));

    c.Json("POST", "/__test/clock", {{"advance", 300}});
    CHECK(c.keys->CurrentSigner().value().key->row.kid == standby);
    const json after = c.Json("GET", "/__test/keys");
    for (const json& k : after["keys"]) states[k["kid"]] = k["state"];
    CHECK(states[standby] == "active");
    CHECK(states[first] == "retiring");

    const json now = c.Json("POST", "/__test/keys/rotate", {{"now", true}});
    CHECK(c.keys->CurrentSigner().value().key->row.kid == now["kid"]);
    CHECK(c.Refusal("POST", "/__test/keys/rotate", {{"now", "yes"}}).first == 400);

    CHECK(c.Refusal("POST", "/__test/keys/revoke", {{"kid", "nope"}}) ==
          std::make_pair(404, std::string("KEY_NOT_FOUND")));
    CHECK(c.Refusal("POST", "/__test/keys/revoke", {{"kid", now["kid"]}}) ==
          std::make_pair(400, std::string("VALIDATION_ERROR")));
    const json revoked =
        c.Json("POST", "/__test/keys/revoke", {{"kid", now["kid"]}, {"rotate", true}});
    CHECK(revoked["revoked"] == now["kid"]);
    REQUIRE(revoked["replacement"].is_string());
    CHECK(c.keys->CurrentSigner().value().key->row.kid == revoked["replacement"]);
    CHECK(c.keys->JwksJson().value().find(now["kid"].get<std::string>()) == std::string::npos);
    for (const json& k : revoked["keys"]) states[k["kid"]] = k["state"];
    CHECK(states[now["kid"]] == "revoked");
  }

  TEST_CASE("verify: the server names what is wrong with each bad kind of test token") {
    Console c;
    const std::map<std::string, std::string> expected = {
        {"expired", "expired"},           {"not-yet-valid", "not-yet-valid"},
        {"wrong-issuer", "wrong-issuer"}, {"wrong-audience", "wrong-audience"},
        {"unknown-kid", "unknown-kid"},   {"bad-signature", "bad-signature"},
        {"alg-none", "alg-none"},         {"alg-confusion", "alg-confusion"}};
    for (const auto& [kind, code] : expected) {
      const std::string shown = kind;  // clang 14 cannot capture a structured binding
      CAPTURE(shown);
      const json minted = c.Json("POST", "/__test/tokens", {{"kind", kind}});
      const json verdict = c.Json("POST", "/__test/verify", {{"token", minted["token"]}});
      CHECK(verdict["valid"] == false);
      CHECK(ProblemCodes(verdict) == std::set<std::string>{code});
    }
    const json good = c.Json("POST", "/__test/tokens", {{"claims", {{"sub", "u1"}}}});
    const json verdict = c.Json("POST", "/__test/verify", {{"token", good["token"]}});
    CHECK(verdict["valid"] == true);
    CHECK(verdict["signature"] == "valid");
    CHECK(verdict["claims"]["sub"] == "u1");
    const json expired =
        c.Json("POST", "/__test/verify",
               {{"token", c.Json("POST", "/__test/tokens", {{"kind", "expired"}})["token"]}});
    CHECK(expired["problems"][0]["message"] == "expired at " +
                                                   FormatIsoMs((kT0 / 1000 - 600) * 1000) +
                                                   " (10 min ago by the server clock)");
    CHECK(ProblemCodes(c.Json("POST", "/__test/verify", {{"token", "a.b"}})) ==
          std::set<std::string>{"malformed"});
    CHECK(c.Refusal("POST", "/__test/verify", json::object()).first == 400);
    CHECK(console::Words(45) == "45 s");
    CHECK(console::Words(7500) == "2 h 5 min");
    CHECK(console::Words(86400 + 4 * 3600) == "1 day 4 h");
  }

  TEST_CASE("changes: the version moves on state changes, not on reads") {
    Console c;
    uint64_t v = c.Version();
    CHECK(c.Version() == v);
    c.Json("GET", "/__test/users");
    c.Json("GET", "/__test/sessions");
    CHECK(c.Version() == v);
    for (auto [method, path, body] : std::vector<std::tuple<std::string, std::string, json>>{
             {"POST", "/__test/sessions", {{"email", "v@example.com"}}},
             {"POST", "/__test/clock", {{"advance", 60}}},
             {"POST", "/__test/keys/rotate", json::object()},
             {"DELETE", "/__test/mail", nullptr}}) {
      const std::string shown = path;  // clang 14 cannot capture a structured binding
      CAPTURE(shown);
      c.Json(method, path, body);
      const uint64_t next = c.Version();
      CHECK(next > v);
      v = next;
    }
    c.Refusal("POST", "/__test/users/update", {{"id", "nope"}, {"name", "x"}});
    CHECK(c.Version() == v);  // a refusal changed nothing
  }

  TEST_CASE("the clock goes back to real time, and info tells the page what to expect") {
    Console c;
    c.Json("POST", "/__test/clock", {{"advance", 86400 * 3}});
    const int64_t back = c.Json("POST", "/__test/clock", {{"real", true}})["nowMs"];
    CHECK(std::llabs(back - SystemNowMs()) < 5000);
    CHECK(c.Refusal("POST", "/__test/clock", {{"real", true}, {"advance", 1}}).first == 400);
    CHECK(c.Refusal("POST", "/__test/clock", {{"real", false}}).first == 400);
    const json info = c.Json("GET", "/__test/info");
    CHECK(info["issuer"] == kOrigin);
    CHECK(info["audience"] == kOrigin);
    CHECK(info["jwksPath"] == "/api/auth/jwks");
    CHECK(info["tokenKinds"][0] == "valid");
    CHECK(info["tokenKinds"].size() == 9);
    CHECK(info["console"] == true);
  }

  TEST_CASE("--console turns on the test API, with its refusals") {
    auto env = [](std::map<std::string, std::string> vars) {
      return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
      };
    };
    auto loaded = LoadConfig({"--console"}, env({}));
    REQUIRE(loaded.ok());
    CHECK(loaded->config.console);
    CHECK(loaded->config.test_api);
    auto open = LoadConfig({"--console", "--host", "0.0.0.0"}, env({}));
    REQUIRE_FALSE(open.ok());
    CHECK(open.error().message.find("--console needs a loopback --host") != std::string::npos);
    auto production =
        LoadConfig({"--console", "--base-url", "https://auth.example.com"},
                   env({{"NODE_ENV", "production"},
                        {"BETTER_AUTH_SECRET", "production-secret-0123456789abcdefgh"}}));
    REQUIRE_FALSE(production.ok());
    CHECK(production.error().message.find("--console is refused with NODE_ENV=production") !=
          std::string::npos);
  }
}

}  // namespace issuer::server
