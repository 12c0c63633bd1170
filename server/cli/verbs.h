#pragma once

#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "server/config/config.h"

namespace issuer::server::cli {

// Exit codes of every verb (the command-line contract).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitConfig = 2;

// Prints "ba-issuer: <reason>" on stderr and returns `code`.
int Fail(int code, const std::string& reason);

// libsodium's randombytes_buf, for the real process.
void SodiumRandom(unsigned char* out, size_t len);

// The whole file at `path`; kNotFound ("cannot read PATH") if it cannot be read.
Result<std::string> ReadFile(const std::string& path);

// What a verb gets from main: its arguments (after the verb name), the environment, and the
// signals main has blocked for it to wait on.
struct Invocation {
  std::vector<std::string> args;
  EnvLookup env;
  sigset_t stop_signals;
};

// A verb's own arguments, split from the server flags (--db, secrets, key options) that
// LoadConfig reads.
struct VerbArgs {
  std::vector<std::string> positionals;
  std::set<std::string> switches;        // e.g. "--fix", "--rotate"
  std::map<std::string, std::string> options;  // e.g. "--email" -> "a@example.com"
  std::vector<std::string> config_args;  // for LoadConfig
};
// Splits `args` into the verb's own switches and options ("--option value" or
// "--option=value") and what LoadConfig reads. kInvalidArgument for an option without a value.
Result<VerbArgs> SplitVerbArgs(const std::vector<std::string>& args,
                               const std::set<std::string>& allowed_switches,
                               const std::set<std::string>& allowed_options = {});

// `ba-issuer [serve] [flags]`: serves until SIGINT/SIGTERM.
int RunServe(const Invocation& invocation);
// `ba-issuer keys list|rotate|revoke KID [--rotate]|import FILE|export-public`.
int RunKeys(const Invocation& invocation);
// `ba-issuer doctor [--fix]`.
int RunDoctor(const Invocation& invocation);
// `ba-issuer users add --email E --password P [--name N] [--id ID]`.
int RunUsers(const Invocation& invocation);
// `ba-issuer sessions create --email E [--json]`.
int RunSessions(const Invocation& invocation);

// Dispatches `args` (argv without the program name) to a verb; no verb name means serve.
int RunVerb(std::vector<std::string> args, const EnvLookup& env, sigset_t stop_signals);

}  // namespace issuer::server::cli
