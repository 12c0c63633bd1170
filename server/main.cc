// The ba-issuer process: the only place that reads argv and the environment, initialises
// libsodium, installs signal handling and picks exit codes (0 clean stop, 1 runtime failure,
// 2 bad configuration).
#include <signal.h>
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "server/auth_service.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/key_manager.h"
#include "storage/store.h"

namespace {

using namespace issuer;

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;

int Fail(int code, const std::string& reason) {
  std::fprintf(stderr, "ba-issuer: %s\n", reason.c_str());
  return code;
}

std::optional<std::string> GetEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

void SodiumRandom(unsigned char* out, size_t len) { randombytes_buf(out, len); }

// Polls the database for keys added by other processes, about once a second, until stopped.
class KeyPoller {
 public:
  explicit KeyPoller(server::KeyManager& keys) : thread_([this, &keys] { Run(keys); }) {}
  ~KeyPoller() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  void Run(server::KeyManager& keys) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
      lock.unlock();
      keys.PollForChanges();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int Serve(const server::LoadedConfig& loaded, sigset_t signals) {
  const server::Config& config = loaded.config;
  server::Logger log(stderr);
  for (const std::string& warning : loaded.warnings) std::fprintf(stderr, "%s\n", warning.c_str());

  auto store = storage::Store::Open(config.db_path);
  if (!store.ok()) return Fail(kExitConfig, "cannot open database " + config.db_path + ": " +
                                                store.error().message);
  server::KeyManager keys(**store, loaded.secrets.ring, config.key_policy, SystemClock(),
                          &SodiumRandom, log);
  Status loaded_keys = keys.Load();
  if (!loaded_keys.ok()) {
    return Fail(kExitConfig, loaded_keys.error().message +
                                 " (is BETTER_AUTH_SECRET the secret that sealed it?)");
  }
  server::AuthService auth(config, loaded.secrets, **store, keys, SystemClock(), &SodiumRandom,
                           log);
  server::HttpServer http(config, auth, log);
  auto port = http.Bind();
  if (!port.ok()) return Fail(kExitConfig, port.error().message);

  std::atomic<bool> serve_returned{false};
  std::thread signal_waiter([&http, &serve_returned, signals] {
    int received = 0;
    sigwait(&signals, &received);
    // cpp-httplib ignores stop() until its loop runs: wait for it, unless it already ended.
    while (!http.running() && !serve_returned) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    http.Stop();
  });
  bool served = false;
  {
    KeyPoller poller(keys);
    std::printf("listening on http://%s:%d\n", config.host.c_str(), *port);
    std::fflush(stdout);
    served = http.Serve();
    serve_returned = true;
  }
  // If the accept loop ended by itself, wake the waiter (the signal is blocked everywhere, so
  // sigwait takes it) and report a runtime failure.
  if (!served) pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  if (!served) return Fail(kExitRuntime, "the listening socket failed");
  log.Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return Fail(kExitRuntime, "libsodium failed to initialise");
  std::vector<std::string> args(argv + 1, argv + argc);
  auto loaded = server::LoadConfig(args, &GetEnv);
  if (!loaded.ok()) return Fail(kExitConfig, loaded.error().message);
  if (loaded->show_help) {
    std::fputs(server::UsageText().c_str(), stdout);
    return 0;
  }
  // Handled by one thread with sigwait; blocked here so every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  try {
    return Serve(*loaded, signals);
  } catch (const std::exception& e) {
    return Fail(kExitRuntime, std::string("fatal: ") + e.what());
  }
}
