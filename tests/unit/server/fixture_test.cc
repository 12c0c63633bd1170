// The fixture parts without sockets: user specs, durations, loopback addresses, the test API's
// peer and origin rules, and the kinds of test tokens.
#include <doctest/doctest.h>
#include <sodium.h>

#include <map>
#include <nlohmann/json.hpp>

#include "keys/encoding.h"
#include "server/config/duration.h"
#include "server/fixture/test_api.h"
#include "server/fixture/test_tokens.h"
#include "server/fixture/users.h"
#include "server/http/loopback.h"
#include "storage/repository.h"

namespace issuer::server {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z

void SodiumFill(unsigned char* out, size_t len) { randombytes_buf(out, len); }

// An AuthContext over an in-memory store, at a fixed clock, with the test API's routes.
struct Fixture {
  Fixture() {
    config.base_origin = "http://localhost:3000";
    config.test_api = true;
    secrets.ring.current = "fixture-unit-secret-0123456789abcdefghijkl";
    secrets.cookie_secret = secrets.ring.current;
    repo = storage::OpenRepository(":memory:").value();
    keys = std::make_unique<KeyManager>(*repo, secrets.ring, config.key_policy, clock, &SodiumFill,
                                        log);
    REQUIRE(keys->Maintain().ok());
    ctx = std::make_unique<AuthContext>(config, secrets, *repo, *keys, clock, &SodiumFill, log);
    routes = TestApiRoutes(*ctx, clock, seed);
  }

  HttpReply Call(const std::string& method, const std::string& path, const std::string& body,
                 const std::string& peer, const std::string& origin = "") {
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.peer = peer;
    request.body = body;
    request.headers.emplace("content-type", "application/json");
    if (!origin.empty()) request.headers.emplace("origin", origin);
    for (const Route& route : routes) {
      if (route.method == method && route.path == path) return route.handler(request);
    }
    FAIL("no route ", method, " ", path);
    return {};
  }

  Config config;
  Secrets secrets;
  Clock clock = Clock::Fixed(kT0);
  Logger log{nullptr, clock};
  std::unique_ptr<storage::Repository> repo;
  std::unique_ptr<KeyManager> keys;
  std::unique_ptr<AuthContext> ctx;
  std::vector<UserSpec> seed;
  std::vector<Route> routes;
};

std::string SpecError(const json& entry) {
  auto spec = ParseUserSpec(entry, Config());
  if (spec.ok()) return "";
  CHECK(spec.error().code == Errc::kInvalidArgument);
  return spec.error().message;
}

json Segment(const std::string& jwt, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i) start = jwt.find('.', start) + 1;
  return json::parse(*keys::Base64UrlDecode(jwt.substr(start, jwt.find('.', start) - start)));
}

}  // namespace

TEST_SUITE("fixture") {
  TEST_CASE("durations as Better Auth reads jwt.expirationTime") {
    CHECK(ParseDuration("15m") == 900);
    CHECK(ParseDuration("1h") == 3600);
    CHECK(ParseDuration("1.5h") == 5400);
    CHECK(ParseDuration("7 days") == 7 * 86400);
    CHECK(ParseDuration("30s") == 30);
    CHECK(ParseDuration("2W") == 14 * 86400);
    CHECK(ParseDuration("1mo") == 30 * 86400);
    CHECK(ParseDuration("1y") == 31557600);
    for (const char* bad : {"", "15", "m", "-5m", "5 m ", "5  m", "1.m", "5 minutes ago", "1e3s",
                            "9999999999999999y"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseDuration(bad).has_value());
    }
  }

  TEST_CASE("loopback addresses and names") {
    for (const char* yes : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost",
                            "::ffff:127.0.0.1"}) {
      CAPTURE(yes);
      CHECK(IsLoopback(yes));
    }
    for (const char* no : {"0.0.0.0", "10.0.0.1", "::", "::ffff:10.0.0.1", "128.0.0.1",
                           "example.com", "", "127.0.0.1.example.com", "localhost.evil"}) {
      CAPTURE(no);
      CHECK_FALSE(IsLoopback(no));
    }
  }

  TEST_CASE("a user spec: defaults, fields, extra columns and claims") {
    auto spec = ParseUserSpec(json::parse(R"({"email":"Bob@Example.com","role":"admin",
        "age":42,"score":1.5,"beta":true,"nick":null,"claims":{"org":"acme","roles":["a"]},
        "id":"user_1","sessionToken":"tok-1","emailVerified":true,"image":"https://i"})"),
                              Config());
    REQUIRE(spec.ok());
    CHECK(spec->email == "bob@example.com");
    CHECK(spec->name == "bob");
    CHECK_FALSE(spec->password.has_value());
    CHECK(spec->id == "user_1");
    CHECK(spec->session_token == "tok-1");
    CHECK(spec->email_verified);
    CHECK(spec->image == "https://i");
    CHECK(spec->claims.dump() == R"({"org":"acme","roles":["a"]})");
    std::map<std::string, storage::ColumnValue> extra;
    for (const auto& column : spec->extra) extra[column.name] = column.value;
    REQUIRE(extra.size() == 5);
    CHECK(std::get<std::string>(extra["role"]) == "admin");
    CHECK(std::get<int64_t>(extra["age"]) == 42);
    CHECK(std::get<double>(extra["score"]) == 1.5);
    CHECK(std::get<int64_t>(extra["beta"]) == 1);  // booleans are 0/1, as Better Auth stores them
    CHECK(std::holds_alternative<std::monostate>(extra["nick"]));
  }

  TEST_CASE("a bad user spec names the field") {
    CHECK(SpecError(json::parse("{}")) == "email: expected a string");
    CHECK(SpecError({{"email", "nope"}}) == "email: not an email address");
    CHECK(SpecError({{"email", "a@b.co"}, {"name", 5}}) == "name: expected a string");
    CHECK(SpecError({{"email", "a@b.co"}, {"password", "short"}}).rfind("password: shorter", 0) ==
          0);
    CHECK(SpecError({{"email", "a@b.co"}, {"password", std::string(129, 'x')}})
              .rfind("password: longer", 0) == 0);
    CHECK(SpecError({{"email", "a@b.co"}, {"id", "a b"}}).rfind("id: ", 0) == 0);
    CHECK(SpecError({{"email", "a@b.co"}, {"sessionToken", ""}}).rfind("sessionToken: ", 0) == 0);
    CHECK(SpecError({{"email", "a@b.co"}, {"claims", "x"}}) == "claims: expected an object");
    CHECK(SpecError({{"email", "a@b.co"}, {"roles", {"a"}}}).rfind("roles: ", 0) == 0);
    CHECK(SpecError({{"email", "a@b.co"}, {"emailVerified", "yes"}}).rfind("emailVerified", 0) ==
          0);
    CHECK(SpecError(json::array()) == "expected an object");
  }

  TEST_CASE("the test API answers loopback peers only, and trusted origins only") {
    Fixture f;
    const std::string body = R"({"email":"peer@example.com"})";
    for (const char* peer : {"10.1.2.3", "192.168.0.9", "::ffff:10.0.0.1", ""}) {
      CAPTURE(peer);
      const HttpReply refused = f.Call("POST", "/__test/sessions", body, peer);
      CHECK(refused.status == 404);
      CHECK(refused.body.empty());
    }
    CHECK(f.Call("GET", "/__test/clock", "", "10.0.0.2").status == 404);
    CHECK(f.Call("POST", "/__test/sessions", body, "127.0.0.1").status == 200);
    CHECK(f.Call("POST", "/__test/sessions", body, "::1").status == 200);
    CHECK(f.Call("POST", "/__test/sessions", body, "::ffff:127.0.0.1").status == 200);
    const HttpReply evil =
        f.Call("POST", "/__test/reset", "{}", "127.0.0.1", "https://evil.example");
    CHECK(evil.status == 403);
    CHECK(evil.body.find("INVALID_ORIGIN") != std::string::npos);
    CHECK(f.Call("POST", "/__test/reset", "{}", "127.0.0.1", "http://localhost:3000").status ==
          200);
  }

  TEST_CASE("the clock route moves the one clock") {
    Fixture f;
    HttpReply moved = f.Call("POST", "/__test/clock", R"({"advance":90.5})", "127.0.0.1");
    CHECK(moved.status == 200);
    CHECK(f.clock.NowMs() == kT0 + 90500);
    CHECK(json::parse(moved.body)["now"] == (kT0 + 90500) / 1000);
    CHECK(f.Call("POST", "/__test/clock", R"({"set":1000})", "127.0.0.1").status == 200);
    CHECK(f.clock.NowMs() == 1000000);
    for (const char* bad : {R"({})", R"({"advance":1,"set":2})", R"({"advance":"1"})",
                            R"({"set":1e300})", R"([1])"}) {
      CAPTURE(bad);
      CHECK(f.Call("POST", "/__test/clock", bad, "127.0.0.1").status == 400);
    }
    CHECK(f.clock.NowMs() == 1000000);
  }

  TEST_CASE("test tokens of each kind") {
    Fixture f;
    const Site site{"http://localhost:3000", false};
    auto kid = f.keys->CurrentSigner();
    REQUIRE(kid.ok());
    const std::string current_kid = kid->key->signer->kid();
    const int64_t now = kT0 / 1000;
    auto mint = [&](TokenKind kind) {
      TestTokenRequest request{OrderedJson{{"sub", "u1"}, {"role", "admin"}}, 900, kind,
                               std::nullopt};
      auto minted = MintTestToken(*f.ctx, request, site);
      REQUIRE(minted.ok());
      CHECK(Segment(minted->token, 1) == json::parse(Dump(minted->claims)));
      return *minted;
    };
    const TestToken valid = mint(TokenKind::kValid);
    CHECK(valid.claims["iat"] == now);
    CHECK(valid.claims["exp"] == now + 900);
    CHECK(valid.claims["iss"] == "http://localhost:3000");
    CHECK(valid.claims["aud"] == "http://localhost:3000");
    CHECK(valid.claims["role"] == "admin");
    CHECK(valid.header["kid"] == current_kid);
    CHECK(mint(TokenKind::kExpired).claims["exp"] < now);
    CHECK(mint(TokenKind::kNotYetValid).claims["nbf"] > now);
    CHECK(mint(TokenKind::kWrongIssuer).claims["iss"] == "https://wrong-issuer.invalid");
    CHECK(mint(TokenKind::kWrongAudience).claims["aud"] == "https://wrong-audience.invalid");
    const TestToken unknown = mint(TokenKind::kUnknownKid);
    CHECK(unknown.header["kid"] != current_kid);
    CHECK(unknown.header["alg"] == "EdDSA");
    const TestToken bad = mint(TokenKind::kBadSignature);
    CHECK(bad.token.substr(0, bad.token.rfind('.')) ==
          mint(TokenKind::kValid).token.substr(0, bad.token.rfind('.')));
    CHECK(bad.token != mint(TokenKind::kValid).token);
    const TestToken none = mint(TokenKind::kAlgNone);
    CHECK(none.header["alg"] == "none");
    CHECK(none.token.back() == '.');
    CHECK(ParseTokenKind("alg-none") == TokenKind::kAlgNone);
    CHECK_FALSE(ParseTokenKind("ALG-NONE").has_value());
  }
}

}  // namespace issuer::server
