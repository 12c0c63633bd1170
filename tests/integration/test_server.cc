#include "tests/integration/test_server.h"

#include <sodium.h>

#include <chrono>
#include <stdexcept>

namespace issuer::testing {

void TestRandom::Fill(unsigned char* out, size_t len) {
  std::lock_guard<std::mutex> lock(mu_);
  unsigned char seed[randombytes_SEEDBYTES] = {0};
  uint64_t n = ++counter_;
  for (size_t i = 0; i < sizeof n; ++i) seed[i] = static_cast<unsigned char>(n >> (8 * i));
  randombytes_buf_deterministic(out, len, seed);
}

TestServer::TestServer() : TestServer(Options()) {}

TestServer::TestServer(Options options) {
  // Bind first on port 0 so the base URL can name the real port.
  std::vector<std::string> args = {"--port", "0", "--db", options.db_path};
  std::map<std::string, std::string> env = {{"BETTER_AUTH_SECRET", options.secret},
                                            {"NODE_ENV", options.node_env}};
  if (!options.trusted_origins.empty()) {
    env["BETTER_AUTH_TRUSTED_ORIGINS"] = options.trusted_origins;
  }
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  if (!options.base_url.empty()) args.insert(args.end(), {"--base-url", options.base_url});
  auto loaded = server::LoadConfig(args, lookup);
  if (!loaded.ok()) throw std::runtime_error(loaded.error().message);
  loaded_ = std::move(*loaded);
  auto store = storage::Store::Open(loaded_.config.db_path);
  if (!store.ok()) throw std::runtime_error(store.error().message);
  store_ = std::move(*store);
  keys_ = std::make_unique<server::KeyManager>(*store_, loaded_.secrets.ring,
                                               loaded_.config.key_policy, clock_.AsClock(),
                                               random_.AsRandom(), log_);
  if (Status st = keys_->Load(); !st.ok()) throw std::runtime_error(st.error().message);
  auth_ = std::make_unique<server::AuthService>(loaded_.config, loaded_.secrets, *store_, *keys_,
                                                clock_.AsClock(), random_.AsRandom(), log_);
  http_ = std::make_unique<server::HttpServer>(loaded_.config, *auth_, log_);
  auto port = http_->Bind();
  if (!port.ok()) throw std::runtime_error(port.error().message);
  port_ = *port;
  origin_ = "http://127.0.0.1:" + std::to_string(port_);
  if (options.base_url.empty()) loaded_.config.base_origin = origin_;
  thread_ = std::thread([this] { http_->Serve(); });
  while (!http_->running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TestServer::~TestServer() {
  http_->Stop();
  thread_.join();
}

httplib::Client TestServer::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(10, 0);
  return c;
}

}  // namespace issuer::testing
