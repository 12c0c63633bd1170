// Key lifecycle through the real binary: the keys and doctor commands, rotation ahead of time,
// kill -9 during rotation, and two processes on one file.
#include <doctest/doctest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "keys/encoding.h"
#include "keys/jwk.h"
#include "keys/jws.h"
#include "storage/sqlite/connection.h"
#include "tests/support/child_process.h"

namespace issuer::testing {
namespace {

using nlohmann::json;
using Millis = std::chrono::milliseconds;

const std::string kBin = BA_ISSUER_BIN;
const std::string kSecretValue = "keys-test-secret-0123456789abcdefghijkl";
const std::string kSecret = "BETTER_AUTH_SECRET=" + kSecretValue;
const std::string kOtherSecret = "BETTER_AUTH_SECRET=another-secret-0123456789abcdefghijklm";
// RFC 8037 A.1, and its RFC 7638 thumbprint (A.3).
const char kRfc8037Jwk[] =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
const char kRfc8037X[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const char kRfc8037Thumbprint[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/ba-issuer-test-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

CommandResult Keys(const std::vector<std::string>& args, const std::string& secret = kSecret) {
  std::vector<std::string> argv = {kBin};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {secret});
}

// A server on a free port, killed (SIGKILL) when it goes out of scope unless stopped.
class Server {
 public:
  Server(const std::string& db, std::vector<std::string> extra = {},
         const std::string& secret = kSecret) {
    std::vector<std::string> args = {kBin, "--port", "0", "--db", db,
                                     "--base-url", "http://localhost:3000"};
    args.insert(args.end(), extra.begin(), extra.end());
    child_ = std::make_unique<Child>(args, std::vector<std::string>{secret}, "/dev/null");
    const std::string line = child_->ReadLine();
    REQUIRE(line.rfind("listening on", 0) == 0);
    port_ = PortOf(line);
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }
  void Kill() { child_.reset(); }

 private:
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

json Jwks(const Server& srv) {
  auto res = srv.client().Get("/api/auth/jwks");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

std::set<std::string> Kids(const json& jwks) {
  std::set<std::string> kids;
  for (const json& k : jwks["keys"]) kids.insert(k["kid"].get<std::string>());
  return kids;
}

// Signs up a user and returns its bearer session token.
std::string SessionToken(const Server& srv, const std::string& email) {
  auto res = srv.client().Post("/api/auth/sign-up/email",
                               json{{"name", "K"}, {"email", email}, {"password", "password123"}}
                                   .dump(),
                               "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body)["token"];
}

// A JWT from /token, or "" on failure (which is reported).
std::string Token(const Server& srv, const std::string& session) {
  auto res = srv.client().Get("/api/auth/token", {{"Authorization", "Bearer " + session}});
  if (!res || res->status != 200) {
    MESSAGE("/token failed: ", res ? std::to_string(res->status) + " " + res->body
                                   : httplib::to_string(res.error()));
    return "";
  }
  return json::parse(res->body)["token"];
}

std::string KidOf(const std::string& jwt) {
  return json::parse(*keys::Base64UrlDecode(jwt.substr(0, jwt.find('.'))))["kid"];
}

// True if `jwt` verifies against a key of `jwks` with its kid.
bool Verifies(const std::string& jwt, const json& jwks) {
  const std::string kid = KidOf(jwt);
  for (const json& k : jwks["keys"]) {
    if (k["kid"] != kid) continue;
    auto pk = keys::ParsePublicJwk(k.dump());
    return pk.ok() && keys::VerifyCompactJws(jwt, *pk).ok();
  }
  return false;
}

// The rows of `keys list` (after the header) as kid -> "state published".
std::map<std::string, std::string> ListKeys(const std::string& db) {
  CommandResult listed = Keys({"keys", "list", "--db", db});
  REQUIRE(listed.exit_code == 0);
  std::map<std::string, std::string> out;
  std::istringstream lines(listed.out);
  std::string line;
  std::getline(lines, line);
  CHECK(line.rfind("KID", 0) == 0);
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string kid, alg, created, expires, state, published;
    fields >> kid >> alg >> created >> expires >> state >> published;
    out[kid] = state + " " + published;
  }
  return out;
}

template <typename Pred>
bool Eventually(Pred pred, int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(Millis(20));
  }
  return pred();
}

}  // namespace

TEST_SUITE("keys") {
  TEST_CASE("keys import takes the RFC 8037 key: stable kid, JWKS x, tokens signed with it") {
    const std::string db = TempDb("import");
    const std::string file = WriteFile("rfc8037.jwk", kRfc8037Jwk);
    CommandResult imported = Keys({"keys", "import", file, "--db", db});
    CHECK(imported.exit_code == 0);
    CHECK(imported.out == std::string(kRfc8037Thumbprint) + "\n");
    CommandResult again = Keys({"keys", "import", file, "--db=" + db});  // changes nothing
    CHECK(again.exit_code == 0);
    CHECK(again.out == imported.out);

    CommandResult exported = Keys({"keys", "export-public", "--db", db});
    REQUIRE(exported.exit_code == 0);
    const json published = json::parse(exported.out);
    REQUIRE(published["keys"].size() == 1);
    CHECK(published["keys"][0]["x"] == kRfc8037X);
    CHECK(published["keys"][0]["kid"] == kRfc8037Thumbprint);
    CHECK_FALSE(published["keys"][0].contains("d"));
    CHECK(ListKeys(db)[kRfc8037Thumbprint] == "active yes");

    Server srv(db);
    CHECK(Jwks(srv) == published);
    const std::string jwt = Token(srv, SessionToken(srv, "import@example.com"));
    CHECK(KidOf(jwt) == kRfc8037Thumbprint);
    CHECK(Verifies(jwt, published));
  }

  TEST_CASE("bad input to keys gets one line and exit 2, and changes nothing") {
    const std::string db = TempDb("bad-input");
    REQUIRE(Keys({"keys", "rotate", "--db", db}).exit_code == 0);
    const std::string before = Keys({"keys", "export-public", "--db", db}).out;
    const std::string public_only = WriteFile(
        "public.jwk", R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
    const std::string malformed = WriteFile("malformed.jwk", R"({"kty":"OKP",)");
    const std::vector<std::vector<std::string>> cases = {
        {"keys", "import", public_only, "--db", db},
        {"keys", "import", malformed, "--db", db},
        {"keys", "import", "/nonexistent/ba-issuer.jwk", "--db", db},
        {"keys", "revoke", "noSuchKid", "--db", db},
        {"keys", "revoke", "--db", db},
        {"keys", "frobnicate", "--db", db},
        {"keys", "list", "--rotate", "--db", db},
        {"keys", "list", "--db", "/nonexistent-dir/none.db"},
    };
    for (const auto& args : cases) {
      CommandResult r = Keys(args);
      INFO(args[1], " ", args.size() > 2 ? args[2] : "", " -> ", r.err);
      CHECK(r.exit_code == 2);
      CHECK(r.err.rfind("ba-issuer: ", 0) == 0);
      CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
      CHECK(r.err.find(kSecretValue) == std::string::npos);
    }
    CHECK(Keys({"keys", "export-public", "--db", db}).out == before);
  }

  TEST_CASE("rotate, then revoke: out of a running server's JWKS and signing within a second") {
    const std::string db = TempDb("revoke");
    Server srv(db);
    const std::string session = SessionToken(srv, "revoke@example.com");
    const std::string first = KidOf(Token(srv, session));

    CommandResult rotated = Keys({"keys", "rotate", "--db", db});
    REQUIRE(rotated.exit_code == 0);
    const std::string second = rotated.out.substr(0, rotated.out.size() - 1);
    CHECK(Eventually([&] { return KidOf(Token(srv, session)) == second; }, 1000));
    const auto listed = ListKeys(db);
    CHECK(listed.at(first) == "retiring yes");
    CHECK(listed.at(second) == "active yes");

    // The last key that signs is kept unless its replacement is made in the same step.
    CommandResult refused = Keys({"keys", "revoke", second, "--db", db});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("--rotate") != std::string::npos);
    CHECK(Kids(Jwks(srv)).count(second) == 1);

    CHECK(Keys({"keys", "revoke", first, "--db", db}).exit_code == 0);
    const int64_t revoked_at = NowMs();
    CHECK(Eventually([&] { return Kids(Jwks(srv)).count(first) == 0; }, 1000));
    CHECK(NowMs() - revoked_at < 1000);
    CHECK(ListKeys(db).at(first) == "revoked no");

    CommandResult replaced = Keys({"keys", "revoke", second, "--rotate", "--db", db});
    REQUIRE(replaced.exit_code == 0);
    CHECK(Eventually(
        [&] {
          const std::string kid = KidOf(Token(srv, session));
          return kid != second && Kids(Jwks(srv)).count(second) == 0;
        },
        1000));
  }

  TEST_CASE("doctor names a key sealed under another secret, and doctor --fix recovers") {
    const std::string db = TempDb("doctor");
    REQUIRE(Keys({"keys", "rotate", "--db", db}, kOtherSecret).exit_code == 0);
    const std::string foreign = ListKeys(db).begin()->first;

    // The server refuses to start, naming the key and the way out.
    Child refused({kBin, "--port", "0", "--db", db}, {kSecret});
    CHECK(refused.Wait() == 2);
    const std::string reason = refused.ReadAllStderr(2000);
    CHECK(reason.find(foreign) != std::string::npos);
    CHECK(reason.find("doctor --fix") != std::string::npos);
    CHECK(reason.find(kSecretValue) == std::string::npos);

    CommandResult diagnosed = Keys({"doctor", "--db", db});
    CHECK(diagnosed.exit_code == 2);
    CHECK(diagnosed.out.find(foreign) != std::string::npos);
    CHECK(Keys({"doctor", "--db", db}, kOtherSecret).exit_code == 0);

    CommandResult fixed = Keys({"doctor", "--fix", "--db", db});
    CHECK(fixed.exit_code == 0);
    CHECK(fixed.out.find("retired " + foreign) != std::string::npos);
    CHECK(Keys({"doctor", "--db", db}).exit_code == 0);  // only a retiring key left to note

    Server srv(db);
    const json jwks = Jwks(srv);
    CHECK(Kids(jwks).count(foreign) == 1);  // still published: its tokens keep verifying
    const std::string jwt = Token(srv, SessionToken(srv, "doctor@example.com"));
    CHECK(KidOf(jwt) != foreign);
    CHECK(Verifies(jwt, jwks));
  }

  TEST_CASE("rotation every 2 s: each kid is published before it signs, and every token verifies") {
    const std::string db = TempDb("rotation");
    Server srv(db, {"--rotation-interval", "2"});
    const std::string session = SessionToken(srv, "rotation@example.com");
    std::map<std::string, int64_t> first_published, first_signed;
    std::vector<std::pair<int64_t, std::string>> tokens;
    std::vector<std::pair<int64_t, std::set<std::string>>> snapshots;
    std::vector<int64_t> latencies;
    const int64_t start = NowMs();
    while (NowMs() - start < 7000) {
      const int64_t t = NowMs();
      const std::set<std::string> kids = Kids(Jwks(srv));
      snapshots.emplace_back(t, kids);
      for (const std::string& kid : kids) first_published.emplace(kid, t);
      const int64_t asked = NowMs();
      const std::string jwt = Token(srv, session);
      REQUIRE_FALSE(jwt.empty());
      latencies.push_back(NowMs() - asked);
      tokens.emplace_back(NowMs(), jwt);
      first_signed.emplace(KidOf(jwt), NowMs());
      std::this_thread::sleep_for(Millis(40));
    }
    CHECK(first_signed.size() >= 3);
    std::sort(latencies.begin(), latencies.end());
    std::fprintf(stderr, "figures: %zu tokens across %zu keys, /token p50 %lld ms, p99 %lld ms\n",
                 tokens.size(), first_signed.size(),
                 static_cast<long long>(latencies[latencies.size() / 2]),
                 static_cast<long long>(latencies[latencies.size() * 99 / 100]));
    const json final_jwks = Jwks(srv);
    const std::string first_kid = KidOf(tokens.front().second);  // made at start: signs at once
    for (const auto& entry3 : first_signed) {
      const auto& kid = entry3.first;
      const auto& signed_at = entry3.second;
      if (kid == first_kid) continue;
      INFO("kid ", kid, " published ", signed_at - first_published.at(kid), " ms before it signed");
      std::fprintf(stderr, "figures: kid %s published %lld ms before its first signature\n",
                   kid.c_str(), static_cast<long long>(signed_at - first_published.at(kid)));
      // The lead time is 1 s (half the interval); snapshots are taken about every 50 ms.
      CHECK(signed_at - first_published.at(kid) >= 900);
    }
    for (const auto& entry4 : tokens) {
      const auto& t = entry4.first;
      const auto& jwt = entry4.second;
      CHECK(Verifies(jwt, final_jwks));
      // A JWKS cached up to the lead time before the token already held its kid.
      for (const auto& entry5 : snapshots) {
        const auto& when = entry5.first;
        const auto& kids = entry5.second;
        if (when >= t - 900 && when > start + 100) CHECK(kids.count(KidOf(jwt)) == 1);
      }
    }
  }

  TEST_CASE("kill -9 during rotation, 20 times: at most one new key per interval, nothing lost") {
    const std::string db = TempDb("kill9");
    std::mt19937 rng(12345);
    std::vector<std::string> tokens;
    const int64_t start = NowMs();
    std::string session;
    for (int round = 0; round < 20; ++round) {
      Server srv(db, {"--rotation-interval", "1"});
      if (session.empty()) session = SessionToken(srv, "kill9@example.com");
      const json jwks = Jwks(srv);
      CHECK_FALSE(jwks["keys"].empty());
      const int64_t until = NowMs() + std::uniform_int_distribution<int>(100, 900)(rng);
      while (NowMs() < until) {
        const std::string jwt = Token(srv, session);
        REQUIRE_FALSE(jwt.empty());
        tokens.push_back(jwt);
        std::this_thread::sleep_for(Millis(5));
      }
      srv.Kill();  // SIGKILL, wherever the key timer is
    }
    Server after(db, {"--rotation-interval", "1"});
    const json jwks = Jwks(after);
    after.Kill();
    const int64_t elapsed = NowMs() - start;
    for (const std::string& jwt : tokens) CHECK(Verifies(jwt, jwks));
    const auto listed = ListKeys(db);
    int live = 0;
    for (const auto& [kid, state] : listed) live += state.rfind("active", 0) == 0 || state.rfind("standby", 0) == 0;
    CHECK(live <= 2);
    // One key per 1 s interval at most, plus the first and its standby.
    CHECK(static_cast<int64_t>(listed.size()) <= elapsed / 1000 + 3);
    CHECK(Keys({"doctor", "--db", db}).exit_code == 0);
  }

  TEST_CASE("two processes on one file rotate once per interval and publish the same keys") {
    const std::string db = TempDb("two");
    Server a(db, {"--rotation-interval", "2"});
    Server b(db, {"--rotation-interval", "2"});
    const std::string session = SessionToken(a, "two@example.com");
    std::vector<std::string> tokens;
    const int64_t start = NowMs();
    while (NowMs() - start < 6000) {
      for (const Server* srv : {&a, &b}) {
        const std::string jwt = Token(*srv, session);
        REQUIRE_FALSE(jwt.empty());
        tokens.push_back(jwt);
      }
      std::this_thread::sleep_for(Millis(50));
    }
    const int64_t elapsed = NowMs() - start;
    const json ja = Jwks(a);
    const json jb = Jwks(b);
    CHECK(ja == jb);
    for (const std::string& jwt : tokens) CHECK(Verifies(jwt, ja));
    const auto listed = ListKeys(db);
    CHECK(static_cast<int64_t>(listed.size()) <= elapsed / 2000 + 3);
    CHECK(listed.size() >= 3);
  }

  TEST_CASE("odd rows from another writer: /jwks stays valid JSON, the signer is published") {
    const std::string db = TempDb("odd-rows");
    REQUIRE(Keys({"keys", "rotate", "--db", db}).exit_code == 0);
    {
      auto conn = storage::Connection::Open(db, /*in_memory=*/false);
      REQUIRE(conn.ok());
      // Copies of the real key under odd ids, an expiresAt at the integer limit, an alg
      // ba-issuer cannot sign with; all newer than the real key.
      const char* sql =
          R"(INSERT INTO jwks (id, publicKey, privateKey, createdAt, expiresAt, alg, crv))"
          R"( SELECT 'far', publicKey, privateKey, '2090-01-01T00:00:00.000Z',)"
          R"( 9223372036854775807, alg, crv FROM jwks;)"
          R"(INSERT INTO jwks (id, publicKey, privateKey, createdAt, expiresAt, alg, crv))"
          R"( SELECT CAST(X'6bfffe' AS TEXT), publicKey, privateKey, '2091-01-01T00:00:00.000Z',)"
          R"( NULL, alg, crv FROM jwks WHERE id = 'far';)"
          R"(INSERT INTO jwks (id, publicKey, privateKey, createdAt, expiresAt, alg, crv))"
          R"( SELECT 'unknownAlg', publicKey, privateKey, '2092-01-01T00:00:00.000Z', NULL,)"
          R"( 'XS999', crv FROM jwks WHERE id = 'far';)";
      REQUIRE((*conn)->Exec(sql).ok());
    }
    Server srv(db);
    auto res = srv.client().Get("/api/auth/jwks");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const json jwks = json::parse(res->body, nullptr, false);
    REQUIRE_FALSE(jwks.is_discarded());
    const std::set<std::string> kids = Kids(jwks);
    CHECK(kids.count("far") == 1);
    CHECK(kids.count("unknownAlg") == 1);
    const std::string jwt = Token(srv, SessionToken(srv, "odd@example.com"));
    CHECK(KidOf(jwt) == "far");
    CHECK(Verifies(jwt, jwks));
    CommandResult listed = Keys({"keys", "list", "--db", db});
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find("far") != std::string::npos);
  }
}

}  // namespace issuer::testing
