#include "tests/support/test_server.h"

#include <sodium.h>

#include <chrono>
#include <map>
#include <stdexcept>

#include "server/cli/verbs.h"
#include "server/config/config.h"

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
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  auto loaded = server::LoadConfig(args, lookup, &server::cli::ReadFile);  // --config, --seed
  if (!loaded.ok()) throw std::runtime_error(loaded.error().message);
  // Bound on port 0 first, so the base URL can name the real port.
  server::App::Options app_options;
  app_options.base_url_from_bind = true;
  auto app = server::App::Create(std::move(*loaded), clock_, random_.AsRandom(), log_,
                                 app_options);
  if (!app.ok()) throw std::runtime_error(app.error().message);
  app_ = std::move(*app);
  auto port = app_->Bind();
  if (!port.ok()) throw std::runtime_error(port.error().message);
  port_ = *port;
  origin_ = "http://127.0.0.1:" + std::to_string(port_);
  thread_ = std::thread([this] { app_->Serve(); });
  while (!app_->running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TestServer::~TestServer() {
  app_->Stop();
  thread_.join();
}

httplib::Client TestServer::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(10, 0);
  return c;
}

}  // namespace issuer::testing
