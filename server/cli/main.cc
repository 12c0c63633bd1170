// The ba-issuer process: the only place that reads argv and the environment, initialises
// libsodium and sets up signal handling. Verbs (verbs.h) pick the exit codes: 0 clean stop,
// 1 runtime failure, 2 bad configuration.
#include <signal.h>
#include <sodium.h>

#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "server/cli/verbs.h"

namespace {

std::optional<std::string> GetEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace issuer::server::cli;
  if (sodium_init() < 0) return Fail(kExitRuntime, "libsodium failed to initialise");
  // Handled by one thread with sigwait; blocked here so every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  try {
    return RunVerb(std::vector<std::string>(argv + 1, argv + argc), &GetEnv, signals);
  } catch (const std::exception& e) {
    return Fail(kExitRuntime, std::string("fatal: ") + e.what());
  }
}
