#pragma once

#include <signal.h>

#include <string>
#include <vector>

#include "server/config/config.h"

namespace issuer::server::cli {

// Exit codes of every verb (the command-line contract).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitConfig = 2;

// Prints "ba-issuer: <reason>" on stderr and returns `code`.
int Fail(int code, const std::string& reason);

// What a verb gets from main: its arguments (after the verb name), the environment, and the
// signals main has blocked for it to wait on.
struct Invocation {
  std::vector<std::string> args;
  EnvLookup env;
  sigset_t stop_signals;
};

// `ba-issuer [serve] [flags]`: serves until SIGINT/SIGTERM.
int RunServe(const Invocation& invocation);

// Dispatches `args` (argv without the program name) to a verb; no verb name means serve.
int RunVerb(std::vector<std::string> args, const EnvLookup& env, sigset_t stop_signals);

}  // namespace issuer::server::cli
