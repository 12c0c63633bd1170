#include "server/cli/verbs.h"

#include <cstdio>

namespace issuer::server::cli {

int Fail(int code, const std::string& reason) {
  std::fprintf(stderr, "ba-issuer: %s\n", reason.c_str());
  return code;
}

int RunVerb(std::vector<std::string> args, const EnvLookup& env, sigset_t stop_signals) {
  std::string verb = "serve";
  if (!args.empty() && !args.front().empty() && args.front()[0] != '-') {
    verb = args.front();
    args.erase(args.begin());
  }
  Invocation invocation{std::move(args), env, stop_signals};
  if (verb == "serve") return RunServe(invocation);
  return Fail(kExitConfig, "unknown command: " + verb + " (see --help)");
}

}  // namespace issuer::server::cli
