#pragma once

#include <functional>
#include <memory>

#include "common/clock.h"
#include "common/logger.h"
#include "common/random.h"
#include "common/result.h"
#include "server/config/config.h"
#include "server/fixture/metrics.h"
#include "server/fixture/users.h"
#include "server/http/cors.h"
#include "server/http/host_pin.h"
#include "server/http/rate_limiter.h"
#include "server/http/server.h"
#include "server/keyring/key_manager.h"
#include "server/session/context.h"
#include "storage/repository.h"

namespace issuer::server {

namespace social {
struct SocialParts;
}  // namespace social

// The running service, built from a loaded Config: the store, the key manager, Better Auth's
// flows and the HTTP server. The only wiring: main, the CLI verbs and the in-process test
// server all build an App.
//   Clock clock = Clock::System();
//   Logger log(stderr, clock);
//   auto app = App::Create(loaded, clock, &SodiumRandom, log);
//   auto port = (*app)->Bind();
//   std::thread t([&] { (*app)->Serve(); });
//   ... (*app)->Stop(); t.join();
// `clock` and `log` must outlive the App.
class App {
 public:
  struct Options {
    // With no base URL configured, use the bound address (http://host:port) as the base URL
    // once bound, instead of each request's Host (the in-process test server).
    bool base_url_from_bind = false;
  };

  // Opens the store (kUnavailable if it cannot) and loads the key ring (kUnauthenticated,
  // naming the kid, if a published key does not open with the secrets).
  // `clock` is the service's one clock; the test API (--test-api) moves it.
  static Result<std::unique_ptr<App>> Create(LoadedConfig loaded, Clock& clock, Random random,
                                             Logger& log, Options options);
  static Result<std::unique_ptr<App>> Create(LoadedConfig loaded, Clock& clock, Random random,
                                             Logger& log) {
    return Create(std::move(loaded), clock, std::move(random), log, Options());
  }
  ~App();

  // Binds the configured host and port (and the --metrics-listen address), then makes the
  // first signing key if there is none; returns the API's bound port. kUnavailable if an
  // address is taken.
  Result<int> Bind();
  // Serves the API (and /metrics on its own listener), and polls the store for key changes,
  // until Stop(); false if the API's accept loop failed on its own. REQUIRES: Bind() succeeded.
  bool Serve();
  // Stops accepting; in-flight requests finish. Safe from any thread once running().
  void Stop();
  bool running() const;

  const Config& config() const { return loaded_.config; }
  storage::Repository& repository() { return *repo_; }
  KeyManager& keys() { return *keys_; }
  // Better Auth's flows' shared state, for the commands that act without HTTP.
  AuthContext& auth() { return *auth_; }

 private:
  App(LoadedConfig loaded, Clock& clock, Logger& log, Options options);
  // Applies the --seed users (ApplySeed).
  Status Seed();
  // Sets up limiter_ (and its store) when rate limits are on.
  Status OpenSecondaryStorage();
  Status StartRateLimits(Random random);
  // Binds metrics_http_, if --metrics-listen asked for it.
  Status BindMetrics();
  // Serves metrics_http_ (if any) while `serve_api` runs; returns what it returned.
  bool ServeWithMetrics(const std::function<bool()>& serve_api);

  LoadedConfig loaded_;
  Clock& clock_;
  Logger& log_;
  Options options_;
  std::unique_ptr<storage::Repository> repo_;
  std::unique_ptr<KeyManager> keys_;
  std::unique_ptr<AuthContext> auth_;
  std::unique_ptr<LimitStore> limit_store_;  // the limiter's counts
  std::unique_ptr<RateLimiter> limiter_;     // null unless rate limits are on
  std::unique_ptr<Cors> cors_;
  std::unique_ptr<HostPin> host_pin_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<HttpServer> metrics_http_;  // --metrics-listen; null without it
  std::unique_ptr<social::SocialParts> social_;  // social sign-in and the dev provider
  std::vector<UserSpec> seed_;  // --seed's users, parsed; the test API's reset can apply them again
};

}  // namespace issuer::server
