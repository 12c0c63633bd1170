// The test API (--test-api) through the real binary: sessions, tokens, the clock and reset,
// and that without the flag the paths do not exist.
#include <doctest/doctest.h>

#include <set>

#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

const std::vector<std::pair<std::string, std::string>> kTestRoutes = {
    {"POST", "/__test/sessions"}, {"POST", "/__test/tokens"}, {"POST", "/__test/clock"},
    {"GET", "/__test/clock"},     {"POST", "/__test/reset"}};

json Jwks(const IssuerServer& srv) { return JsonOf(srv.client().Get("/api/auth/jwks")); }

// GET `path` with a header.
httplib::Result GetWith(const IssuerServer& srv, const std::string& path,
                        const std::string& header, const std::string& value) {
  return srv.client().Get(path, {{header, value}});
}

int64_t Now(const IssuerServer& srv) { return JsonOf(srv.client().Get("/__test/clock"))["now"]; }

}  // namespace

TEST_SUITE("test-api") {
  TEST_CASE("without --test-api every /__test path is 404 with an empty body") {
    IssuerServer srv({"--db", ":memory:"});
    for (const auto& [method, path] : kTestRoutes) {
      const std::string& shown = path;  // CAPTURE cannot take a structured binding (clang 14)
      CAPTURE(shown);
      auto res = method == "GET" ? srv.client().Get(path)
                                 : srv.client().Post(path, "{}", "application/json");
      REQUIRE(res);
      CHECK(res->status == 404);
      CHECK(res->body.empty());
    }
  }

  TEST_CASE("--test-api is refused on a non-loopback host and in production") {
    const CommandResult open_host = RunCommand(
        {kIssuerBin, "--port", "0", "--db", ":memory:", "--host", "0.0.0.0", "--test-api"},
        {kIssuerSecret});
    CHECK(open_host.exit_code == 2);
    CHECK(open_host.err.find("loopback") != std::string::npos);
    const CommandResult production =
        RunCommand({kIssuerBin, "--port", "0", "--db", ":memory:", "--test-api"},
                   {kIssuerSecret, "NODE_ENV=production"});
    CHECK(production.exit_code == 2);
    CHECK(production.err.find("NODE_ENV=production") != std::string::npos);
  }

  TEST_CASE("POST /__test/sessions: a user and a session, cookie, bearer and token all work") {
    IssuerServer srv({"--db", ":memory:", "--test-api", "--base-url", "http://localhost:3000"});
    const json made = PostJson(srv, "/__test/sessions",
                               {{"email", "Ada@Example.com"},
                                {"name", "Ada"},
                                {"role", "admin"},
                                {"claims", {{"roles", {"admin", "ops"}}, {"org", "acme"}}}});
    const std::string user_id = made["user"]["id"];
    CHECK(made["user"]["email"] == "ada@example.com");
    CHECK(made["user"]["role"] == "admin");
    CHECK(made["session"]["userId"] == user_id);
    CHECK(made["cookie"].get<std::string>().rfind("better-auth.session_token=", 0) == 0);

    const json via_cookie =
        JsonOf(GetWith(srv, "/api/auth/get-session", "Cookie", made["cookie"]));
    CHECK(via_cookie["user"]["id"] == user_id);
    CHECK(via_cookie["user"]["role"] == "admin");
    const json via_bearer = JsonOf(
        GetWith(srv, "/api/auth/token", "Authorization", "Bearer " + made["bearer"].get<std::string>()));

    const json jwks = Jwks(srv);
    for (const std::string& jwt : {made["token"].get<std::string>(),
                                  via_bearer["token"].get<std::string>()}) {
      CHECK(VerifiesWith(jwt, jwks));
      const json claims = JwtPart(jwt, 1);
      CHECK(claims["sub"] == user_id);
      CHECK(claims["role"] == "admin");
      CHECK(claims["roles"] == json{"admin", "ops"});
      CHECK(claims["org"] == "acme");
      CHECK(claims["iss"] == "http://localhost:3000");
    }
    // The same email again: the same user, a new session.
    const json again = PostJson(srv, "/__test/sessions", {{"email", "ada@example.com"}});
    CHECK(again["user"]["id"] == user_id);
    CHECK(again["session"]["token"] != made["session"]["token"]);
  }

  TEST_CASE("POST /__test/sessions with a password, a fixed id and a fixed session token") {
    IssuerServer srv({"--db", ":memory:", "--test-api"});
    const json made = PostJson(srv, "/__test/sessions",
                               {{"email", "fixed@example.com"},
                                {"password", "password123"},
                                {"id", "user_fixed_1"},
                                {"sessionToken", "fixedSessionToken0123456789abcd"}});
    CHECK(made["user"]["id"] == "user_fixed_1");
    CHECK(made["session"]["token"] == "fixedSessionToken0123456789abcd");
    CHECK(made["bearer"].get<std::string>().rfind("fixedSessionToken0123456789abcd.", 0) == 0);
    const json signed_in = PostJson(srv, "/api/auth/sign-in/email",
                                    {{"email", "fixed@example.com"}, {"password", "password123"}});
    CHECK(signed_in["user"]["id"] == "user_fixed_1");
  }

  TEST_CASE("POST /__test/sessions refuses bad input with 400 naming the field") {
    IssuerServer srv({"--db", ":memory:", "--test-api"});
    const std::vector<std::pair<json, std::string>> cases = {
        {json::object(), "email"},
        {{{"email", "not-an-email"}}, "email"},
        {{{"email", "a@example.com"}, {"password", "short"}}, "password"},
        {{{"email", "a@example.com"}, {"tags", {"a", "b"}}}, "tags"},
        {{{"email", "a@example.com"}, {"claims", 5}}, "claims"}};
    for (const auto& [body, field] : cases) {
      const std::string shown = body.dump();  // CAPTURE cannot take a structured binding
      CAPTURE(shown);
      const json error = PostJson(srv, "/__test/sessions", body, 400);
      CHECK(error["code"] == "VALIDATION_ERROR");
      CHECK(error["message"].get<std::string>().rfind(field + ":", 0) == 0);
    }
    auto not_json = srv.client().Post("/__test/sessions", "email=x", "text/plain");
    REQUIRE(not_json);
    CHECK(not_json->status == 415);
  }

  TEST_CASE("POST /__test/tokens: any claims, a lifetime, and each bad kind") {
    IssuerServer srv({"--db", ":memory:", "--test-api", "--base-url", "http://localhost:3000"});
    const json jwks = Jwks(srv);
    const json valid = PostJson(srv, "/__test/tokens",
                                {{"claims", {{"sub", "svc-1"}, {"scope", "read"}}},
                                 {"expiresIn", "1h"}});
    const json claims = JwtPart(valid["token"], 1);
    CHECK(VerifiesWith(valid["token"], jwks));
    CHECK(claims["sub"] == "svc-1");
    CHECK(claims["scope"] == "read");
    CHECK(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>() == 3600);
    CHECK(claims["aud"] == "http://localhost:3000");
    CHECK(claims == valid["claims"]);
    const int64_t now = Now(srv);
    std::set<std::string> kids;
    for (const json& k : jwks["keys"]) kids.insert(k["kid"]);
    auto kind = [&](const std::string& name) {
      return PostJson(srv, "/__test/tokens", {{"kind", name}, {"claims", {{"sub", "svc-1"}}}});
    };
    CHECK(JwtPart(kind("expired")["token"], 1)["exp"] < now);
    CHECK(JwtPart(kind("not-yet-valid")["token"], 1)["nbf"] > now);
    CHECK(JwtPart(kind("wrong-issuer")["token"], 1)["iss"] != "http://localhost:3000");
    CHECK(JwtPart(kind("wrong-audience")["token"], 1)["aud"] != "http://localhost:3000");
    CHECK(kids.count(JwtPart(kind("unknown-kid")["token"], 0)["kid"]) == 0);
    const std::string bad = kind("bad-signature")["token"];
    CHECK(kids.count(JwtPart(bad, 0)["kid"]) == 1);
    CHECK_FALSE(VerifiesWith(bad, jwks));
    const std::string none = kind("alg-none")["token"];
    CHECK(JwtPart(none, 0)["alg"] == "none");
    CHECK(none.back() == '.');
    for (const char* name : {"expired", "not-yet-valid", "wrong-issuer", "wrong-audience"}) {
      CHECK(VerifiesWith(kind(name)["token"], jwks));  // well signed: only a claim is wrong
    }
    const json unknown = PostJson(srv, "/__test/tokens", {{"kind", "forged"}}, 400);
    CHECK(unknown["message"].get<std::string>().find("alg-none") != std::string::npos);
    PostJson(srv, "/__test/tokens", {{"expiresIn", "soon"}}, 400);
  }

  TEST_CASE("POST /__test/clock moves iat, expires sessions, and rotates keys") {
    IssuerServer srv({"--db", ":memory:", "--test-api", "--rotation-interval", "86400"});
    const json made = PostJson(srv, "/__test/sessions", {{"email", "time@example.com"}});
    const std::string bearer = "Bearer " + made["bearer"].get<std::string>();
    const std::string first_kid = JwtPart(made["token"], 0)["kid"];
    const int64_t t0 = Now(srv);

    const json moved = PostJson(srv, "/__test/clock", {{"advance", 3600}});
    CHECK(moved["now"].get<int64_t>() - t0 >= 3600);
    const json later = JsonOf(GetWith(srv, "/api/auth/token", "Authorization", bearer));
    CHECK(JwtPart(later["token"], 1)["iat"].get<int64_t>() - t0 >= 3600);

    // Past the rotation interval: a new key signs, the old one is still published.
    PostJson(srv, "/__test/clock", {{"advance", 86400}});
    const json rotated = JsonOf(GetWith(srv, "/api/auth/token", "Authorization", bearer));
    const std::string second_kid = JwtPart(rotated["token"], 0)["kid"];
    CHECK(second_kid != first_kid);
    const std::string published = Jwks(srv).dump();
    CHECK(published.find(first_kid) != std::string::npos);
    CHECK(published.find(second_kid) != std::string::npos);

    // The /token above refreshed the session (a day had passed: updateAge) to 7 days from
    // t0 + 25 h. Past that: 401, and get-session answers null.
    const json set = PostJson(srv, "/__test/clock", {{"set", t0 + 9 * 86400}});
    CHECK(set["now"] == t0 + 9 * 86400);
    auto expired = GetWith(srv, "/api/auth/token", "Authorization", bearer);
    REQUIRE(expired);
    CHECK(expired->status == 401);
    CHECK(JsonOf(GetWith(srv, "/api/auth/get-session", "Cookie", made["cookie"])).is_null());
  }

  TEST_CASE("POST /__test/reset: users and sessions go, keys stay") {
    IssuerServer srv({"--db", ":memory:", "--test-api"});
    const json made = PostJson(srv, "/__test/sessions",
                               {{"email", "gone@example.com"}, {"claims", {{"org", "a"}}}});
    const json keys_before = Jwks(srv);
    CHECK(PostJson(srv, "/__test/reset", json::object())["success"] == true);
    CHECK(JsonOf(GetWith(srv, "/api/auth/get-session", "Cookie", made["cookie"])).is_null());
    CHECK(Jwks(srv) == keys_before);
    const json again = PostJson(srv, "/__test/sessions", {{"email", "gone@example.com"}});
    CHECK(again["user"]["id"] != made["user"]["id"]);
    CHECK_FALSE(JwtPart(again["token"], 1).contains("org"));
  }
}

}  // namespace issuer::testing
