// /token and /jwks under concurrent load while another connection adds keys to the jwks table,
// so the KeyManager reloads its ring under traffic: PollForChanges on every /jwks (and the
// poller), and CurrentSigner reloading when its key expires. scripts/test also runs this under
// TSan (build-tsan), where any data race fails it.
#include <doctest/doctest.h>
#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "keys/encoding.h"
#include "keys/jwk.h"
#include "keys/jws.h"
#include "keys/key_ring.h"
#include "storage/repository.h"
#include "tests/support/test_server.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

constexpr int64_t kStepMs = 60'000;  // each key lives one step
constexpr int kKeys = 30;            // keys the other connection adds, one per step
constexpr size_t kTokenThreads = 4;
constexpr size_t kJwksThreads = 2;

std::string TempDb() {
  std::string path = "/tmp/ba-issuer-reload-test-" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

void SodiumRandom(unsigned char* out, size_t len) { randombytes_buf(out, len); }

// The other connection: adds key i, created at the test epoch + i steps and expiring one step
// later, as another ba-issuer or Better Auth process would.
class KeyWriter {
 public:
  explicit KeyWriter(const std::string& db) {
    auto repo = storage::OpenRepository(db);
    REQUIRE(repo.ok());
    repo_ = std::move(*repo);
    policy_.rotation_interval_ms = kStepMs;
  }

  std::string Add(int i) {
    const int64_t created_at = kTestEpochMs + i * kStepMs;
    auto made = keys::MakeKey(secrets_, policy_, SodiumRandom, created_at);
    REQUIRE(made.ok());
    const keys::StoredKey& key = made->row;
    const storage::JwkRow row{key.kid, key.public_key_json, key.private_key, key.created_at_ms,
                              key.expires_at_ms, key.alg, key.crv};
    // The previous key expires at `created_at`, so no live key blocks the insert.
    auto inserted = repo_->InsertJwkUnlessLiveExists(row, "EdDSA", created_at);
    REQUIRE(inserted.ok());
    REQUIRE(*inserted);
    return key.kid;
  }

 private:
  std::unique_ptr<storage::Repository> repo_;
  keys::SecretRing secrets_{kTestSecret, {}};
  keys::KeyPolicy policy_;
};

std::string SessionCookie(httplib::Client& c) {
  const json body = {{"name", "Load"}, {"email", "load@example.com"}, {"password", "password123"}};
  auto res = c.Post("/api/auth/sign-up/email", body.dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  for (const auto& [name, value] : res->headers) {
    if (name == "Set-Cookie" && value.rfind("better-auth.session_token=", 0) == 0) {
      return value.substr(0, value.find(';'));
    }
  }
  FAIL("no session cookie");
  return "";
}

std::string KidOf(const std::string& token) {
  auto header = keys::Base64UrlDecode(token.substr(0, token.find('.')));
  REQUIRE(header.ok());
  return json::parse(*header).at("kid").get<std::string>();
}

// What one client thread saw; read by the test thread after join().
struct Seen {
  std::vector<std::string> tokens;
  std::vector<std::string> jwks;
  int failures = 0;
};

// GETs `path` until `stop`, keeping each 200 body (or the token in it).
void Hammer(const TestServer& srv, const std::string& path, const std::string& cookie,
            const std::atomic<bool>& stop, Seen* seen) {
  httplib::Client c = srv.client();
  c.set_keep_alive(true);
  const httplib::Headers headers = {{"Cookie", cookie}};
  while (!stop.load()) {
    auto res = c.Get(path.c_str(), headers);
    if (!res || res->status != 200) {
      ++seen->failures;
    } else if (path.ends_with("/token")) {
      seen->tokens.push_back(json::parse(res->body).at("token").get<std::string>());
    } else {
      seen->jwks.push_back(res->body);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// kid -> public key of a JWKS document.
std::map<std::string, keys::PublicKey> JwksKeys(const std::string& body) {
  std::map<std::string, keys::PublicKey> out;
  const json doc = json::parse(body);
  for (const json& jwk : doc.at("keys")) {
    auto key = keys::ParsePublicJwk(jwk.dump());
    REQUIRE(key.ok());
    out[jwk.at("kid").get<std::string>()] = *key;
  }
  return out;
}

std::string Get(httplib::Client& c, const std::string& path, const std::string& cookie) {
  auto res = c.Get(path.c_str(), {{"Cookie", cookie}});
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return res->body;
}

}  // namespace

TEST_SUITE("concurrency") {
  TEST_CASE("tokens and JWKS stay consistent while another connection adds keys") {
    const std::string db = TempDb();
    KeyWriter writer(db);
    std::set<std::string> written = {writer.Add(0)};
    TestServer::Options options;
    options.db_path = db;
    // No standby lead time: the server writes no standby of its own for the other connection's
    // keys (they expire a whole step after they start signing), so every key is that writer's.
    options.extra_args = {"--jwks-max-age", "0"};
    TestServer srv(options);
    httplib::Client c = srv.client();
    const std::string cookie = SessionCookie(c);
    const std::string first_kid = KidOf(json::parse(Get(c, "/api/auth/token", cookie))["token"]);
    CHECK(first_kid == *written.begin());

    std::atomic<bool> stop{false};
    std::vector<Seen> seen(kTokenThreads + kJwksThreads);
    std::vector<std::thread> clients;
    for (size_t t = 0; t < kTokenThreads + kJwksThreads; ++t) {
      const std::string path = t < kTokenThreads ? "/api/auth/token" : "/api/auth/jwks";
      clients.emplace_back(Hammer, std::cref(srv), path, cookie, std::cref(stop), &seen[t]);
    }
    std::string last_kid;
    for (int i = 1; i <= kKeys; ++i) {
      last_kid = writer.Add(i);
      written.insert(last_kid);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      srv.clock().Advance(kStepMs);  // key i-1 expires, key i is the only live one
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    stop = true;
    for (std::thread& t : clients) t.join();

    // Only keys of the other connection ever signed (the server never made its own), the last
    // one signs now, and the JWKS publishes every one of them (expired keys are in grace).
    CHECK(KidOf(json::parse(Get(c, "/api/auth/token", cookie))["token"]) == last_kid);
    const auto published = JwksKeys(Get(c, "/api/auth/jwks", cookie));
    CHECK(published.size() == written.size());
    size_t tokens = 0;
    for (const Seen& s : seen) {
      CHECK(s.failures == 0);
      tokens += s.tokens.size();
      for (const std::string& token : s.tokens) {
        const std::string kid = KidOf(token);
        REQUIRE(written.count(kid) == 1);
        CHECK(keys::VerifyCompactJws(token, published.at(kid)).ok());
      }
      for (const std::string& body : s.jwks) {
        const auto keys = JwksKeys(body);
        CHECK_FALSE(keys.empty());
        for (const auto& [kid, key] : keys) CHECK(published.at(kid) == key);
      }
    }
    CHECK(tokens > 0);
    MESSAGE(tokens, " tokens checked across ", kKeys + 1, " keys");
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  }
}

}  // namespace issuer::testing
