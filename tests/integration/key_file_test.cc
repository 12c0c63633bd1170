// --key-file through the real binary: a fixed Ed25519 key gives the same kid and JWKS on every
// start, in memory or on a file, and it is the key `keys import` would add.
#include <doctest/doctest.h>

#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

json Jwks(const IssuerServer& srv) { return JsonOf(srv.client().Get("/api/auth/jwks")); }

// A JWT for a new user, through sign-up and /token.
std::string TokenFor(const IssuerServer& srv, const std::string& email) {
  const json signup = PostJson(srv, "/api/auth/sign-up/email",
                               {{"name", "K"}, {"email", email}, {"password", "password123"}});
  const std::string bearer = "Bearer " + signup["token"].get<std::string>();
  return JsonOf(srv.client().Get("/api/auth/token", {{"Authorization", bearer}}))["token"];
}

}  // namespace

TEST_SUITE("key-file") {
  TEST_CASE("--key-file with :memory:: the same kid and JWKS on every start, and tokens sign with it") {
    const std::string key = WriteTempFile("key-file.jwk", kRfc8037Jwk);
    json first;
    for (int run = 0; run < 2; ++run) {
      IssuerServer srv({"--db", ":memory:", "--key-file", key});
      const json jwks = Jwks(srv);
      REQUIRE(jwks["keys"].size() == 1);
      CHECK(jwks["keys"][0]["kid"] == kRfc8037Thumbprint);
      CHECK(jwks["keys"][0]["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
      CHECK_FALSE(jwks["keys"][0].contains("d"));
      if (run == 0) first = jwks;
      CHECK(jwks == first);
      const std::string jwt = TokenFor(srv, "keyfile@example.com");
      CHECK(JwtPart(jwt, 0)["kid"] == kRfc8037Thumbprint);
      CHECK(VerifiesWith(jwt, first));
      CHECK(srv.Stop() == 0);
    }
  }

  TEST_CASE("--key-file on a database file: no other key is made, restarts change nothing") {
    const std::string db = TempDb("key-file");
    const std::string key = WriteTempFile("key-file-db.jwk", kRfc8037Jwk);
    std::string first;
    for (int run = 0; run < 2; ++run) {
      IssuerServer srv({"--db", db, "--key-file=" + key});
      const json jwks = Jwks(srv);
      CHECK(jwks["keys"].size() == 1);
      if (run == 0) first = jwks.dump();
      CHECK(jwks.dump() == first);
      CHECK(srv.Stop() == 0);
    }
    // The loader is the one `keys import` uses: importing the same key again changes nothing.
    const CommandResult imported =
        RunCommand({kIssuerBin, "keys", "import", key, "--db", db}, {kIssuerSecret});
    CHECK(imported.exit_code == 0);
    CHECK(imported.out == std::string(kRfc8037Thumbprint) + "\n");
    const CommandResult exported =
        RunCommand({kIssuerBin, "keys", "export-public", "--db", db}, {kIssuerSecret});
    CHECK(json::parse(exported.out).dump() == first);
  }

  TEST_CASE("--key-file over an existing key: the file's key signs, the old one stays published") {
    const std::string db = TempDb("key-file-over");
    std::string old_kid;
    {
      IssuerServer srv({"--db", db});
      old_kid = Jwks(srv)["keys"][0]["kid"];
      CHECK(srv.Stop() == 0);
    }
    const std::string key = WriteTempFile("key-file-over.jwk", kRfc8037Jwk);
    IssuerServer srv({"--db", db, "--key-file", key});
    const json jwks = Jwks(srv);
    CHECK(jwks["keys"].size() == 2);
    CHECK(jwks.dump().find(old_kid) != std::string::npos);
    CHECK(JwtPart(TokenFor(srv, "over@example.com"), 0)["kid"] == kRfc8037Thumbprint);
  }

  TEST_CASE("a bad --key-file stops start-up with exit 2 and one line naming the file") {
    const std::string public_only = WriteTempFile(
        "public-only.jwk",
        R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
    const std::string not_json = WriteTempFile("not-json.jwk", "{\"kty\":");
    const std::string missing = "/tmp/ba-issuer-test-no-such-key.jwk";
    for (const std::string& file : {public_only, not_json, missing}) {
      CAPTURE(file);
      const CommandResult r =
          RunCommand({kIssuerBin, "--port", "0", "--db", ":memory:", "--key-file", file},
                     {kIssuerSecret});
      CHECK(r.exit_code == 2);
      // One reason line (after any start-up warnings), naming the flag and the file.
      const size_t reason = r.err.find("ba-issuer: ");
      REQUIRE(reason != std::string::npos);
      CHECK(r.err.find("ba-issuer: ", reason + 1) == std::string::npos);
      CHECK(r.err.find("--key-file", reason) != std::string::npos);
      CHECK(r.err.find(file, reason) != std::string::npos);
      CHECK(r.err.find("nWGxne") == std::string::npos);  // never the private key
    }
  }
}

}  // namespace issuer::testing
