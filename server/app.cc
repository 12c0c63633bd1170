#include "server/app.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "server/console/console.h"
#include "server/fixture/metrics.h"
#include "server/fixture/seed.h"
#include "server/fixture/test_api.h"
#include "server/keyring/key_admin.h"
#include "server/keyring/poller.h"
#include "server/session/claim_sources.h"
#include "server/session/discovery.h"
#include "server/session/limit_store.h"
#include "server/session/routes.h"
#include "server/social/service.h"
#include "storage/redis/secondary_repository.h"

namespace issuer::server {
namespace {

// --key-file: the key signs from now on (imported as `keys import` does; already there, nothing
// changes), so its kid and the JWKS are the same on every start.
Status ImportKeyFile(const LoadedConfig& loaded, storage::Repository& repo, Random random,
                     const Clock& clock) {
  if (loaded.secrets.key_jwk.empty()) return Status::Ok();
  KeyAdminContext ctx{loaded.secrets.ring, loaded.config.key_policy, std::move(random),
                      clock.NowMs()};
  auto kid = ImportKey(repo, loaded.secrets.key_jwk, ctx);
  if (!kid.ok()) {
    return Error{Errc::kInvalidArgument,
                 "--key-file " + loaded.config.key_file + ": " + kid.error().message};
  }
  return Status::Ok();
}

// --seed: parsed before anything is written, so a bad file changes nothing.
Result<std::vector<UserSpec>> ParseSeedFile(const LoadedConfig& loaded) {
  if (loaded.config.seed_file.empty()) return std::vector<UserSpec>();
  auto users = ParseSeed(loaded.seed_text, loaded.config);
  if (!users.ok()) {
    return Error{Errc::kInvalidArgument,
                 "seed file " + loaded.config.seed_file + ": " + users.error().message};
  }
  return users;
}

}  // namespace

App::App(LoadedConfig loaded, Clock& clock, Logger& log, Options options)
    : loaded_(std::move(loaded)), clock_(clock), log_(log), options_(options) {}

App::~App() = default;

Result<std::unique_ptr<App>> App::Create(LoadedConfig loaded, Clock& clock, Random random,
                                         Logger& log, Options options) {
  std::unique_ptr<App> app(new App(std::move(loaded), clock, log, options));
  const Config& config = app->loaded_.config;
  auto seed = ParseSeedFile(app->loaded_);
  if (!seed.ok()) return seed.error();
  app->seed_ = std::move(*seed);
  auto repo = storage::OpenRepository(config.db_path);
  if (!repo.ok()) {
    return Error{repo.error().code,
                 "cannot open database " + storage::RedactLocation(config.db_path) + ": " +
                     repo.error().message};
  }
  app->repo_ = std::move(*repo);
  if (Status st = app->OpenSecondaryStorage(); !st.ok()) return st.error();
  if (const std::string store = app->repo_->Description(); !store.empty()) log.Info("store", store);
  if (Status st = ImportKeyFile(app->loaded_, *app->repo_, random, clock); !st.ok()) {
    return st.error();
  }
  app->keys_ = std::make_unique<KeyManager>(*app->repo_, app->loaded_.secrets.ring,
                                            config.key_policy, clock, random, log);
  if (Status st = app->keys_->Load(); !st.ok()) return st.error();
  app->auth_ = std::make_unique<AuthContext>(config, app->loaded_.secrets, *app->repo_,
                                             *app->keys_, clock, random, log);
  auto plugins = PluginSet::Load(config.plugins, *app->repo_);
  if (!plugins.ok()) return plugins.error();
  app->auth_->plugins = std::move(*plugins);
  if (Status st = CheckClaimSources(config.claims, app->auth_->plugins); !st.ok()) {
    return st.error();
  }
  if (Status st = app->Seed(); !st.ok()) return st.error();
  if (Status st = app->StartRateLimits(random); !st.ok()) return st.error();
  std::vector<Route> routes = AuthRoutes(*app->auth_);
  for (Route& route : app->auth_->plugins.Routes(*app->auth_)) routes.push_back(std::move(route));
  if (config.discovery) {
    for (Route& route : DiscoveryRoutes(*app->auth_)) routes.push_back(std::move(route));
  }
  auto social = social::BuildSocial(*app->auth_, random);
  if (!social.ok()) return social.error();
  app->social_ = std::move(*social);
  for (Route& route : app->social_->routes) routes.push_back(std::move(route));
  app->metrics_ = std::make_unique<Metrics>(config.base_path + "/sign-in/email");
  if (!config.metrics_host.empty()) {
    // Off the API port, as Keycloak keeps it on its management port: the API answers 404.
    std::vector<Route> metrics_routes = {MetricsRoute(*app->metrics_, [app = app.get()] {
      return Metrics::Counts{app->auth_->tokens_issued.load(), app->keys_->rotations()};
    })};
    app->metrics_http_ = std::make_unique<HttpServer>(config, std::move(metrics_routes), nullptr,
                                                      log, AccessLog(log, *app->metrics_));
  }
  if (config.test_api) {
    for (Route& route : TestApiRoutes(*app->auth_, clock, app->seed_)) {
      routes.push_back(std::move(route));
    }
    // The dev console comes with the test API (--console turns both on); its change counter
    // sees every route's answers, so the page reloads when anything changed.
    auto changes = std::make_shared<console::ChangeCounter>();
    for (Route& route : console::ConsoleRoutes(*app->auth_, changes)) {
      routes.push_back(std::move(route));
    }
    routes = console::WithChangeCount(std::move(routes), changes);
  }
  app->cors_ = std::make_unique<Cors>(app->auth_->trusted, [&config](const HttpRequest& r) {
    return SiteOf(config, r).origin;
  });
  app->host_pin_ = std::make_unique<HostPin>(config);
  app->http_ = std::make_unique<HttpServer>(
      config, WithHostPin(WithCors(std::move(routes), *app->cors_), *app->host_pin_),
      app->limiter_.get(), log, AccessLog(log, *app->metrics_));
  return app;
}

// Better Auth's secondaryStorage: the SQL store wrapped, so that sessions, verification values
// and rate limits go to Redis as Better Auth puts them there.
Status App::OpenSecondaryStorage() {
  const Config& config = loaded_.config;
  if (config.secondary_storage_url.empty()) return Status::Ok();
  storage::SecondaryStorageOptions options;
  options.url = config.secondary_storage_url;
  options.key_prefix = config.secondary_storage_prefix;
  options.store_session_in_database = config.store_session_in_database;
  options.preserve_session_in_database = config.preserve_session_in_database;
  options.verification_in_database = config.verification_in_database;
  options.rate_limit = config.rate_limit_in_secondary();
  options.session_expires_in_s = config.session_expires_in_s;
  options.now_ms = [&clock = clock_] { return clock.NowMs(); };
  auto wrapped = storage::WithSecondaryStorage(std::move(repo_), std::move(options));
  if (!wrapped.ok()) return wrapped.error();
  repo_ = std::move(*wrapped);
  return Status::Ok();
}

// Better Auth's rateLimit: on in production unless rateLimit.enabled says otherwise, with the
// plugins' rules, counted in memory or in the store's rateLimit table.
Status App::StartRateLimits(Random random) {
  const Config& config = loaded_.config;
  if (!config.rate_limit_on()) return Status::Ok();
  RateLimitRules rules = config.rate_limit;
  for (const Plugin::LimitRule& r : auth_->plugins.LimitRules()) {
    rules.plugin.push_back({r.prefix, {r.window_s, r.max}});
  }
  if (config.rate_limit_in_secondary()) {
    // The repository counts in Redis (ConsumeRateLimit); no rateLimit table.
    limit_store_ = std::make_unique<DatabaseLimitStore>(*repo_, clock_, std::move(random), log_,
                                                        rules.LongestWindowS());
  } else if (config.rate_limit_in_database()) {
    if (Status st = DatabaseLimitStore::DeclareTable(*repo_); !st.ok()) return st;
    limit_store_ = std::make_unique<DatabaseLimitStore>(*repo_, clock_, std::move(random), log_,
                                                        rules.LongestWindowS());
  } else {
    limit_store_ = std::make_unique<MemoryLimitStore>(clock_);
  }
  log_.Info("rate_limit", config.rate_limit_in_secondary()  ? "storage=secondary-storage"
                          : config.rate_limit_in_database() ? "storage=database"
                                                            : "storage=memory");
  limiter_ = std::make_unique<RateLimiter>(std::move(rules), config.client_ip, *limit_store_, log_);
  return Status::Ok();
}

Status App::Seed() {
  if (loaded_.config.seed_file.empty()) return Status::Ok();
  auto made = ApplySeed(*auth_, seed_);
  if (!made.ok()) {
    return Error{made.error().code,
                 "seed file " + loaded_.config.seed_file + ": " + made.error().message};
  }
  log_.Info("seeded", "users=" + std::to_string(seed_.size()) + " made=" + std::to_string(*made));
  return Status::Ok();
}

Result<int> App::Bind() {
  auto port = http_->Bind();
  if (!port.ok()) return port;
  if (Status st = BindMetrics(); !st.ok()) return st.error();
  // The first key is made now, not on a request; and only once the address is ours, so an
  // instance that cannot bind writes nothing.
  if (Status st = keys_->Maintain(); !st.ok()) return st.error();
  Config& config = loaded_.config;
  if (options_.base_url_from_bind && config.base_origin.empty()) {
    config.base_origin = "http://" + config.host + ":" + std::to_string(*port);
  }
  if (config.console) {
    const bool v6 = config.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + config.host + "]" : config.host;
    log_.Info("console", "url=http://" + host + ":" + std::to_string(*port) + "/__console");
  }
  return port;
}

Status App::BindMetrics() {
  if (!metrics_http_) return Status::Ok();
  const Config& config = loaded_.config;
  auto port = metrics_http_->Bind(config.metrics_host, config.metrics_port);
  if (!port.ok()) return Error{port.error().code, "--metrics-listen: " + port.error().message};
  const bool v6 = config.metrics_host.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + config.metrics_host + "]" : config.metrics_host;
  log_.Info("metrics_listening", "url=http://" + host + ":" + std::to_string(*port) + "/metrics");
  return Status::Ok();
}

bool App::Serve() {
  KeyPoller poller(*keys_);
  return ServeWithMetrics([this] { return http_->Serve(); });
}

bool App::ServeWithMetrics(const std::function<bool()>& serve_api) {
  if (!metrics_http_) return serve_api();
  std::atomic<bool> metrics_ended{false};
  std::thread metrics([this, &metrics_ended] {
    if (!metrics_http_->Serve()) log_.Error("metrics_listener_failed");
    metrics_ended = true;
  });
  const bool served = serve_api();
  // cpp-httplib ignores stop() until its loop runs: wait for it, unless it already ended.
  while (!metrics_http_->running() && !metrics_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  metrics_http_->Stop();
  metrics.join();
  return served;
}

void App::Stop() { http_->Stop(); }

bool App::running() const { return http_->running(); }

}  // namespace issuer::server
