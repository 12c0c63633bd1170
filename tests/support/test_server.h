#pragma once

#include <httplib.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/logger.h"
#include "common/random.h"
#include "server/app.h"
#include "storage/repository.h"

namespace issuer::testing {

inline constexpr char kTestSecret[] = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";

// 2026-11-24T05:44:34.082Z: where the test server's fixed clock starts.
inline constexpr int64_t kTestEpochMs = 1795499074082;

// A deterministic random stream (libsodium's seeded generator plus a counter).
class TestRandom {
 public:
  void Fill(unsigned char* out, size_t len);
  Random AsRandom() {
    return [this](unsigned char* out, size_t len) { Fill(out, len); };
  }

 private:
  std::mutex mu_;
  uint64_t counter_ = 0;
};

// The real App (store, keys, Better Auth's flows, cpp-httplib) on 127.0.0.1 and a free port, in
// this process, on an in-memory or file database, with a fixed Clock and a TestRandom. The
// clock is the App's one clock: moving it moves sessions, tokens and keys together.
//   TestServer srv;
//   auto res = srv.client().Get("/api/auth/jwks");
//   srv.clock().Advance(60'000);
class TestServer {
 public:
  struct Options {
    std::string db_path = ":memory:";
    std::string base_url;  // empty: http://127.0.0.1:<port>
    std::string node_env = "development";
    std::string trusted_origins;
    std::string secret = kTestSecret;
    std::vector<std::string> extra_args;  // more flags, e.g. {"--rotation-interval", "60"}
  };
  TestServer();
  explicit TestServer(Options options);
  ~TestServer();

  httplib::Client client() const;
  int port() const { return port_; }
  const std::string& origin() const { return origin_; }
  Clock& clock() { return clock_; }
  storage::Repository& store() { return app_->repository(); }

 private:
  Clock clock_ = Clock::Fixed(kTestEpochMs);
  TestRandom random_;
  Logger log_{nullptr, clock_};
  std::unique_ptr<server::App> app_;
  std::thread thread_;
  int port_ = 0;
  std::string origin_;
};

}  // namespace issuer::testing
