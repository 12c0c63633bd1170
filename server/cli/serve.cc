// The serve verb: builds the App, prints the ready line, serves until a stop signal.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/clock.h"
#include "common/logger.h"
#include "server/app.h"
#include "server/cli/verbs.h"
#include "storage/repository.h"

namespace issuer::server::cli {
namespace {

// Waits for a stop signal (blocked in every thread, taken here with sigwait) and stops the
// App. Also ends when the App stopped by itself: Serve() then reports a runtime failure.
class SignalWaiter {
 public:
  SignalWaiter(App& app, sigset_t signals) : app_(app), thread_([this, signals] { Run(signals); }) {}
  ~SignalWaiter() {
    // If the accept loop ended by itself, wake the waiter (the signal is blocked everywhere, so
    // sigwait takes it).
    if (!stopped_) pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }
  void ServeReturned() { serve_returned_ = true; }

 private:
  void Run(sigset_t signals) {
    int received = 0;
    sigwait(&signals, &received);
    stopped_ = true;
    // cpp-httplib ignores stop() until its loop runs: wait for it, unless it already ended.
    while (!app_.running() && !serve_returned_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    app_.Stop();
  }

  App& app_;
  std::atomic<bool> serve_returned_{false};
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

// Start-up warnings: plain lines, or log events with --log-format json.
void PrintWarnings(const std::vector<std::string>& warnings, LogFormat format, Logger& log) {
  for (const std::string& warning : warnings) {
    if (format == LogFormat::kJson) {
      log.Warn("config", "message=\"" + warning + "\"");  // warnings hold no '"'
    } else {
      std::fprintf(stderr, "%s\n", warning.c_str());
    }
  }
}

// The store's files and the key file that the group or others may read or write: one warning
// each, with the command that fixes it. The server keeps the mode it finds (a file shared with a
// Better Auth that runs as another user may need it) and makes its own files 0600.
std::vector<std::string> OpenFileWarnings(const Config& config) {
  std::vector<std::string> paths = storage::StoreFiles(config.db_path);
  if (!config.key_file.empty()) paths.push_back(config.key_file);
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) continue;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    out.push_back("WARNING: " + path + " is open to other users (mode " + mode +
                  "); fix it with: chmod 600 '" + path + "'");
  }
  return out;
}

// Why the App could not be made, and the way out where there is one.
std::string CreateFailure(const Error& error, const std::string& db) {
  if (error.code != Errc::kUnauthenticated) return error.message;
  return error.message +
         ". Either set the secret that sealed it (BETTER_AUTH_SECRET, or "
         "BETTER_AUTH_SECRETS=\"2:new,1:old\"), or run `ba-issuer doctor --fix --db " +
         db + "` to retire it and make a new key";
}

}  // namespace

int RunServe(const Invocation& invocation) {
  auto loaded = LoadConfig(invocation.args, invocation.env, &ReadFile);
  if (!loaded.ok()) return Fail(kExitConfig, loaded.error().message);
  if (loaded->show_help) {
    std::fputs(UsageText().c_str(), stdout);
    return kExitOk;
  }
  if (loaded->show_version) {
    std::printf("ba-issuer %s\n", Version());
    return kExitOk;
  }
  if (Status st = CheckServeConfig(loaded->config); !st.ok()) {
    return Fail(kExitConfig, st.error().message);
  }
  Clock clock = Clock::System();
  Logger log(stderr, clock, loaded->config.log_format, LogFlush::kBackground);
  const LogFormat format = loaded->config.log_format;
  PrintWarnings(loaded->warnings, format, log);
  const std::string db = storage::RedactLocation(loaded->config.db_path);
  auto app = App::Create(std::move(*loaded), clock, &SodiumRandom, log);
  if (!app.ok()) return Fail(kExitConfig, CreateFailure(app.error(), db));
  PrintWarnings(OpenFileWarnings((*app)->config()), format, log);
  auto port = (*app)->Bind();
  if (!port.ok()) {
    return Fail(kExitConfig, port.error().message +
                                 " (in use by another server? --port 0 picks a free port)");
  }
  bool served = false;
  {
    SignalWaiter waiter(**app, invocation.stop_signals);
    std::printf("listening on http://%s:%d\n", (*app)->config().host.c_str(), *port);
    std::fflush(stdout);
    served = (*app)->Serve();
    waiter.ServeReturned();
  }
  if (!served) return Fail(kExitRuntime, "the listening socket failed");
  log.Info("stopped");
  return kExitOk;
}

}  // namespace issuer::server::cli
