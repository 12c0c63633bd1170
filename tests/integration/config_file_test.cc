// --config FILE through the real binary: every option in effect, and bad files refused.
#include <doctest/doctest.h>

#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

const char kConfig[] = R"({
  "baseURL": "http://localhost:3000",
  "basePath": "/auth",
  "trustedOrigins": ["http://localhost:5173"],
  "secret": "config-file-secret-0123456789abcdefghijklmno",
  "session": {"expiresIn": 3600, "updateAge": 600},
  "emailAndPassword": {"enabled": true, "minPasswordLength": 12, "maxPasswordLength": 64},
  "jwt": {"issuer": "https://issuer.example", "audience": ["api-a", "api-b"],
          "expirationTime": "1h"},
  "jwks": {"jwksPath": "/keys.json", "rotationInterval": 86400, "gracePeriod": 3600},
  "claims": {"exclude": ["image", "createdAt", "updatedAt"], "static": {"tenant": "t1"},
             "fromUser": {"roles": "role"}}
})";

json SignUp(const IssuerServer& srv, const std::string& email, const std::string& password,
            int status = 200, const httplib::Headers& headers = {}) {
  const json body = {{"name", "C"}, {"email", email}, {"password", password}};
  return JsonOf(srv.client().Post("/auth/sign-up/email", headers, body.dump(), "application/json"),
                status);
}

json Get(const IssuerServer& srv, const std::string& path, const std::string& bearer = "") {
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  return JsonOf(srv.client().Get(path, headers));
}

}  // namespace

TEST_SUITE("config-file") {
  TEST_CASE("every option of the file takes effect") {
    const std::string file = WriteTempFile("config.json", kConfig);
    const std::string db = TempDb("config-file");
    // No secret in the environment: the file's secret seals the key.
    IssuerServer srv({"--db", db, "--config", file, "--test-api"}, {});
    // basePath and jwksPath.
    const json jwks = Get(srv, "/auth/keys.json");
    REQUIRE(jwks["keys"].size() == 1);
    CHECK(srv.client().Get("/auth/jwks")->status == 404);
    CHECK(srv.client().Get("/api/auth/ok")->status == 404);
    // Password lengths.
    CHECK(SignUp(srv, "short@example.com", "elevenchars", 400)["code"] == "PASSWORD_TOO_SHORT");
    CHECK(SignUp(srv, "long@example.com", std::string(65, 'x'), 400)["code"] ==
          "PASSWORD_TOO_LONG");
    // trustedOrigins: a browser page of the listed origin may sign up.
    const json made = SignUp(srv, "ok@example.com", "twelve-chars", 200,
                             {{"Origin", "http://localhost:5173"}});
    SignUp(srv, "evil@example.com", "twelve-chars", 403, {{"Origin", "http://evil.example"}});
    const std::string session = made["token"];
    // session.expiresIn.
    const json got = Get(srv, "/auth/get-session", session);
    const int64_t t0 = JsonOf(srv.client().Get("/__test/clock"))["now"];
    CHECK(got["session"]["expiresAt"] != got["session"]["createdAt"]);
    // The claims: jwt.*, claims.* and a user column through fromUser.
    const json seeded = PostJson(srv, "/__test/sessions",
                                 {{"email", "role@example.com"}, {"role", "admin"}});
    const json claims = JwtPart(seeded["token"], 1);
    CHECK(claims["iss"] == "https://issuer.example");
    CHECK(claims["aud"] == json{"api-a", "api-b"});
    CHECK(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>() == 3600);
    CHECK(claims["tenant"] == "t1");
    CHECK(claims["roles"] == "admin");
    CHECK(claims["role"] == "admin");
    CHECK(claims["email"] == "role@example.com");
    for (const char* dropped : {"image", "createdAt", "updatedAt"}) CHECK_FALSE(claims.contains(dropped));
    CHECK(VerifiesWith(seeded["token"], jwks));
    // session.updateAge: 11 minutes on, get-session moves the expiry to now + expiresIn.
    PostJson(srv, "/__test/clock", {{"advance", 660}});
    const json refreshed = Get(srv, "/auth/get-session", session);
    CHECK(refreshed["session"]["expiresAt"] != got["session"]["expiresAt"]);
    // session.expiresIn = 1 hour: 2 hours on, the session is gone.
    PostJson(srv, "/__test/clock", {{"set", t0 + 660 + 2 * 3600}});
    CHECK(Get(srv, "/auth/get-session", session).is_null());
    // jwks.rotationInterval (1 day) and gracePeriod (1 hour): a day on, two keys; a day and two
    // hours on, only the new one.
    const std::string first_kid = jwks["keys"][0]["kid"];
    PostJson(srv, "/__test/clock", {{"set", t0 + 86400 + 60}});
    CHECK(Get(srv, "/auth/keys.json")["keys"].size() == 2);
    PostJson(srv, "/__test/clock", {{"set", t0 + 86400 + 2 * 3600}});
    const json later = Get(srv, "/auth/keys.json");
    CHECK(later.dump().find(first_kid) == std::string::npos);
    CHECK(srv.Stop() == 0);
    // The file's secret sealed the key: the environment's alone does not open it.
    const CommandResult other = RunCommand({kIssuerBin, "--port", "0", "--db", db}, {kIssuerSecret});
    CHECK(other.exit_code == 2);
  }

  TEST_CASE("flags override the file") {
    const std::string file = WriteTempFile("config-flags.json", kConfig);
    IssuerServer srv({"--db", ":memory:", "--config", file, "--base-url",
                      "http://127.0.0.1:9999/custom", "--test-api"},
                     {"BETTER_AUTH_URL=http://env.example"});
    CHECK(srv.client().Get("/custom/keys.json")->status == 200);
    const json made = PostJson(srv, "/__test/sessions", {{"email", "f@example.com"}});
    CHECK(JwtPart(made["token"], 1)["iss"] == "https://issuer.example");
  }

  TEST_CASE("a bad config file stops start-up with exit 2 naming the key") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"sesion": {}})", "sesion: unknown key"},
        {R"({"jwt": {"expirationTime": 900}})", "jwt.expirationTime: expected a time string"},
        {R"({"session": {"expiresIn": "7d"}})", "session.expiresIn: expected whole seconds"}};
    for (const auto& [text, reason] : cases) CheckFileRefused("--config", "config file", text, reason);
  }
}

}  // namespace issuer::testing
