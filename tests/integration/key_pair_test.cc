// A key pair that checks itself (issue 20, item 8), through the real binary: a jwks row whose
// publicKey was replaced stops start-up when it signs, doctor names it and --fix replaces it,
// and one replaced while the server runs is never published or used again.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "storage/sqlite/connection.h"
#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

// RFC 8037 A.1's public key: not the key of any row the server made.
const std::string kForeignPublicJwk =
    R"({"crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kty":"OKP"})";

CommandResult Run(std::vector<std::string> args) {
  args.insert(args.begin(), kIssuerBin);
  return RunCommand(args, {kIssuerSecret});
}

// The kids of a JWKS document.
std::vector<std::string> Kids(const json& jwks) {
  std::vector<std::string> out;
  for (const json& k : jwks["keys"]) out.push_back(k["kid"]);
  return out;
}

bool Has(const std::vector<std::string>& kids, const std::string& kid) {
  return std::find(kids.begin(), kids.end(), kid) != kids.end();
}

// What another writer (or an attacker with the file) does: the live row's publicKey replaced.
void SwapPublicKey(const std::string& db, const std::string& kid) {
  auto conn = storage::Connection::Open(db, /*in_memory=*/false);
  REQUIRE(conn.ok());
  REQUIRE((*conn)->Exec("UPDATE jwks SET publicKey = '" + kForeignPublicJwk + "' WHERE id = '" +
                        kid + "'")
              .ok());
}

std::string OnlyKid(const std::string& db) {
  const CommandResult exported = Run({"keys", "export-public", "--db", db});
  REQUIRE(exported.exit_code == 0);
  const std::vector<std::string> kids = Kids(json::parse(exported.out));
  REQUIRE(kids.size() == 1);
  return kids[0];
}

// A JWT for a fresh session, REQUIRing 200 from /token.
std::string MintToken(httplib::Client& c, const std::string& email) {
  auto made = c.Post("/__test/sessions", json{{"email", email}}.dump(), "application/json");
  REQUIRE(made);
  REQUIRE(made->status == 200);
  const std::string bearer = json::parse(made->body)["bearer"];
  auto res = c.Get("/api/auth/token", {{"Authorization", "Bearer " + bearer}});
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  return json::parse(res->body)["token"];
}

}  // namespace

TEST_SUITE("key pair") {
  TEST_CASE("a swapped active key: start exits 2, doctor names the kid, doctor --fix replaces it") {
    const std::string db = TempDb("key-pair-start");
    REQUIRE(Run({"keys", "rotate", "--db", db}).exit_code == 0);
    const std::string kid = OnlyKid(db);
    SwapPublicKey(db, kid);

    const CommandResult start = Run({"--port", "0", "--db", db});
    CHECK(start.exit_code == 2);
    CHECK(start.out.empty());
    CHECK(start.err.find("jwks key " + kid) != std::string::npos);
    CHECK(start.err.find("does not match its private key") != std::string::npos);
    CHECK(start.err.find("doctor --fix") != std::string::npos);

    // keys export-public leaves it out as the server would.
    const CommandResult exported = Run({"keys", "export-public", "--db", db});
    CHECK(exported.exit_code == 0);
    CHECK(Kids(json::parse(exported.out)).empty());

    const CommandResult diagnosed = Run({"doctor", "--db", db});
    CHECK(diagnosed.exit_code == 2);
    CHECK(diagnosed.out.find("key " + kid +
                             " (active) has a public key that does not match its private key: "
                             "the server will not start") != std::string::npos);

    const CommandResult fixed = Run({"doctor", "--fix", "--db", db});
    CHECK(fixed.exit_code == 0);
    CHECK(fixed.out.find("removed " + kid) != std::string::npos);
    CHECK(fixed.out.find("made a new signing key") != std::string::npos);
    const CommandResult again = Run({"doctor", "--db", db});
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("ok:") != std::string::npos);

    IssuerServer srv({"--db", db, "--test-api"});
    const json jwks = JsonOf(srv.client().Get("/api/auth/jwks"));
    CHECK_FALSE(Has(Kids(jwks), kid));
    httplib::Client client = srv.client();
    const std::string jwt = MintToken(client, "fixed@example.com");
    CHECK(JwtPart(jwt, 0)["kid"] != kid);
    CHECK(VerifiesWith(jwt, jwks));
  }

  TEST_CASE("swapped while running: the kid leaves the JWKS, /token signs with a new key") {
    const std::string db = TempDb("key-pair-runtime");
    Child child({kIssuerBin, "--port", "0", "--db", db, "--test-api"}, {kIssuerSecret});
    const std::string line = child.ReadLine();
    REQUIRE(line.rfind("listening on", 0) == 0);
    httplib::Client client("127.0.0.1", PortOf(line));
    client.set_read_timeout(10, 0);
    const std::string before = MintToken(client, "run@example.com");
    const std::string kid = JwtPart(before, 0)["kid"];

    SwapPublicKey(db, kid);
    // The key timer notices the change within about a second; /jwks checks on each request.
    json jwks;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
      auto res = client.Get("/api/auth/jwks");
      REQUIRE(res);
      REQUIRE(res->status == 200);
      jwks = json::parse(res->body);
      if (!Has(Kids(jwks), kid)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    CHECK_FALSE(Has(Kids(jwks), kid));
    CHECK(jwks.dump().find("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo") == std::string::npos);
    for (int i = 0; i < 3; ++i) {
      const std::string jwt = MintToken(client, "run" + std::to_string(i) + "@example.com");
      CHECK(JwtPart(jwt, 0)["kid"] != kid);
      CHECK(VerifiesWith(jwt, JsonOf(client.Get("/api/auth/jwks"))));
    }

    child.Signal(SIGTERM);
    const std::string err = child.ReadAllStderr();
    CHECK(child.Wait() == 0);
    size_t logged = 0;
    for (size_t at = err.find("key_pair_mismatch"); at != std::string::npos;
         at = err.find("key_pair_mismatch", at + 1)) {
      ++logged;
    }
    CHECK(logged == 1);  // once, however often the ring is looked at
    CHECK(err.find("kid=" + kid) != std::string::npos);
  }
}

}  // namespace issuer::testing
