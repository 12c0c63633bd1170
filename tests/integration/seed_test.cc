// Seeding through the real binary: --seed at start (and again at restart), bad seed files, the
// test API's reset with the seed, and the users add / sessions create commands.
#include <doctest/doctest.h>

#include <sstream>

#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

const char kSeed[] = R"({"users": [
  {"email": "alice@example.com", "password": "alice-password", "name": "Alice",
   "id": "user_alice", "sessionToken": "aliceSessionToken0123456789abcdef",
   "role": "admin", "claims": {"roles": ["admin"], "org": "acme"}},
  {"email": "bob@example.com", "password": "bob-password"}
]})";

httplib::Result Bearer(const IssuerServer& srv, const std::string& path, const std::string& token) {
  return srv.client().Get(path, {{"Authorization", "Bearer " + token}});
}

// `name='value'` lines as a map.
std::map<std::string, std::string> ShellAssignments(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find("='");
    REQUIRE(eq != std::string::npos);
    REQUIRE(line.back() == '\'');
    out[line.substr(0, eq)] = line.substr(eq + 2, line.size() - eq - 3);
  }
  return out;
}

}  // namespace

TEST_SUITE("seed") {
  TEST_CASE("--seed makes the users at start, with fixed ids, sessions, columns and claims") {
    const std::string seed = WriteTempFile("seed.json", kSeed);
    const std::string db = TempDb("seed");
    for (int run = 0; run < 2; ++run) {  // a restart keeps them, with no error
      CAPTURE(run);
      IssuerServer srv({"--db", db, "--seed", seed, "--base-url", "http://localhost:3000"});
      const json jwt = JsonOf(Bearer(srv, "/api/auth/token", "aliceSessionToken0123456789abcdef"));
      const json claims = JwtPart(jwt["token"], 1);
      CHECK(claims["sub"] == "user_alice");
      CHECK(claims["role"] == "admin");
      CHECK(claims["roles"] == json{"admin"});
      CHECK(claims["org"] == "acme");
      const json bob = PostJson(srv, "/api/auth/sign-in/email",
                                {{"email", "bob@example.com"}, {"password", "bob-password"}});
      CHECK(bob["user"]["name"] == "bob");
      CHECK_FALSE(JwtPart(JsonOf(Bearer(srv, "/api/auth/token", bob["token"]))["token"], 1)
                      .contains("org"));
      CHECK(srv.Stop() == 0);
    }
  }

  TEST_CASE("a bad seed file stops start-up with exit 2, naming the entry and the field") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{\"users\": [", "not valid JSON"},
        {R"({"users": {}})", "users: expected an array"},
        {R"({"user": []})", "unknown key \"user\""},
        {R"({"users": [{"email": "a@example.com"}, {"name": "x"}]})", "users[1].email"},
        {R"({"users": [{"email": "a@example.com", "password": "short"}]})", "users[0].password"},
        {R"({"users": [{"email": "a@example.com", "roles": ["x"]}]})", "users[0].roles"},
        {R"({"users": [{"email": "a@example.com"}, {"email": "A@example.com"}]})",
         "users[1].email: repeated"},
        {R"({"users": [{"email": "a@example.com", "id": "has space"}]})", "users[0].id"},
        {R"({"users": [7]})", "users[0]: expected an object"}};
    for (const auto& [text, reason] : cases) CheckFileRefused("--seed", "seed file", text, reason);
    const CommandResult missing = RunCommand(
        {kIssuerBin, "--port", "0", "--seed", "/tmp/ba-issuer-no-such-seed.json"}, {kIssuerSecret});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("--seed") != std::string::npos);
  }

  TEST_CASE("POST /__test/reset {seed: true} puts the seed users back") {
    const std::string seed = WriteTempFile("reset-seed.json", kSeed);
    IssuerServer srv({"--db", ":memory:", "--seed", seed, "--test-api"});
    CHECK(PostJson(srv, "/__test/reset", json::object())["seeded"] == 0);
    auto gone = Bearer(srv, "/api/auth/token", "aliceSessionToken0123456789abcdef");
    REQUIRE(gone);
    CHECK(gone->status == 401);
    CHECK(PostJson(srv, "/__test/reset", {{"seed", true}})["seeded"] == 2);
    const json back = JsonOf(Bearer(srv, "/api/auth/token", "aliceSessionToken0123456789abcdef"));
    CHECK(JwtPart(back["token"], 1)["org"] == "acme");
  }

  TEST_CASE("users add and sessions create: a Cookie value, a bearer value and a JWT for curl") {
    const std::string db = TempDb("users-add");
    const std::vector<std::string> base = {"--db", db, "--base-url", "http://localhost:3000"};
    auto run = [&](std::vector<std::string> args) {
      args.insert(args.begin(), kIssuerBin);
      args.insert(args.end(), base.begin(), base.end());
      return RunCommand(args, {kIssuerSecret});
    };
    const CommandResult added = run({"users", "add", "--email", "Carol@Example.com",
                                     "--password", "carol-password", "--name=Carol"});
    REQUIRE(added.exit_code == 0);
    const json user = json::parse(added.out);
    CHECK(user["email"] == "carol@example.com");
    CHECK(user["name"] == "Carol");
    CHECK(run({"users", "add", "--email", "carol@example.com", "--password", "another-one"})
              .exit_code == 2);
    CHECK(run({"users", "add", "--email", "d@example.com", "--password", "short"}).exit_code == 2);
    CHECK(run({"users", "add", "--email", "d@example.com"}).exit_code == 2);  // usage

    const CommandResult created = run({"sessions", "create", "--email", "carol@example.com"});
    REQUIRE(created.exit_code == 0);
    const auto values = ShellAssignments(created.out);
    REQUIRE(values.size() == 3);
    const CommandResult as_json =
        run({"sessions", "create", "--email", "carol@example.com", "--json"});
    REQUIRE(as_json.exit_code == 0);
    CHECK(json::parse(as_json.out)["user"]["id"] == user["id"]);
    const CommandResult nobody = run({"sessions", "create", "--email", "nobody@example.com"});
    CHECK(nobody.exit_code == 2);
    CHECK(nobody.err.find("users add") != std::string::npos);

    IssuerServer srv(base);
    const json session =
        JsonOf(srv.client().Get("/api/auth/get-session", {{"Cookie", values.at("COOKIE")}}));
    CHECK(session["user"]["id"] == user["id"]);
    const json token = JsonOf(Bearer(srv, "/api/auth/token", values.at("BEARER")));
    CHECK(JwtPart(token["token"], 1)["sub"] == user["id"]);
    const json jwks = JsonOf(srv.client().Get("/api/auth/jwks"));
    CHECK(VerifiesWith(values.at("JWT"), jwks));
    CHECK(JwtPart(values.at("JWT"), 1)["iss"] == "http://localhost:3000");
    CHECK(JwtPart(values.at("JWT"), 1)["sub"] == user["id"]);
    const json signed_in = PostJson(srv, "/api/auth/sign-in/email",
                                    {{"email", "carol@example.com"}, {"password", "carol-password"}});
    CHECK(signed_in["user"]["id"] == user["id"]);
  }
}

}  // namespace issuer::testing
