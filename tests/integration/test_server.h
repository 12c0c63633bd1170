#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "server/auth_service.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/key_manager.h"
#include "storage/store.h"

namespace issuer::testing {

inline constexpr char kTestSecret[] = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";

// A clock tests move by hand.
class FixedClock {
 public:
  explicit FixedClock(int64_t now_ms) : now_(now_ms) {}
  int64_t Now() const { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }
  Clock AsClock() { return [this] { return Now(); }; }

 private:
  std::atomic<int64_t> now_;
};

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

// The real server (store, keys, auth service, cpp-httplib) on 127.0.0.1 and a free port, in
// this process, on an in-memory or file database, with a FixedClock and a TestRandom.
//   TestServer srv;
//   auto res = srv.client().Get("/api/auth/jwks");
class TestServer {
 public:
  struct Options {
    std::string db_path = ":memory:";
    std::string base_url;  // empty: http://127.0.0.1:<port>
    std::string node_env = "development";
    std::string trusted_origins;
    std::string secret = kTestSecret;
  };
  TestServer();
  explicit TestServer(Options options);
  ~TestServer();

  httplib::Client client() const;
  int port() const { return port_; }
  const std::string& origin() const { return origin_; }
  FixedClock& clock() { return clock_; }
  storage::Store& store() { return *store_; }

 private:
  FixedClock clock_{1795499074082};  // 2026-11-24T05:44:34.082Z
  TestRandom random_;
  server::Logger log_{nullptr};
  server::LoadedConfig loaded_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<server::KeyManager> keys_;
  std::unique_ptr<server::AuthService> auth_;
  std::unique_ptr<server::HttpServer> http_;
  std::thread thread_;
  int port_ = 0;
  std::string origin_;
};

}  // namespace issuer::testing
