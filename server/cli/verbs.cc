#include "server/cli/verbs.h"

#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace issuer::server::cli {

int Fail(int code, const std::string& reason) {
  std::fprintf(stderr, "ba-issuer: %s\n", reason.c_str());
  return code;
}

void SodiumRandom(unsigned char* out, size_t len) { randombytes_buf(out, len); }

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Errc::kNotFound, "cannot read " + path};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{Errc::kNotFound, "cannot read " + path};
  return text.str();
}

Result<VerbArgs> SplitVerbArgs(const std::vector<std::string>& args,
                               const std::set<std::string>& allowed_switches,
                               const std::set<std::string>& allowed_options) {
  VerbArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const std::string name = arg.substr(0, arg.find('='));
    if (allowed_switches.count(arg)) {
      out.switches.insert(arg);
    } else if (allowed_options.count(name)) {
      if (name.size() < arg.size()) {
        out.options[name] = arg.substr(name.size() + 1);
      } else if (i + 1 < args.size()) {
        out.options[name] = args[++i];
      } else {
        return Error{Errc::kInvalidArgument, name + " needs a value"};
      }
    } else if (arg.rfind("--", 0) == 0 || arg == "-h") {
      out.config_args.push_back(arg);
      // "--flag value": the value goes with it (LoadConfig refuses unknown flags).
      if (FlagTakesValue(arg) && i + 1 < args.size()) out.config_args.push_back(args[++i]);
    } else {
      out.positionals.push_back(arg);
    }
  }
  return out;
}

int RunVerb(std::vector<std::string> args, const EnvLookup& env, sigset_t stop_signals) {
  std::string verb = "serve";
  if (!args.empty() && !args.front().empty() && args.front()[0] != '-') {
    verb = args.front();
    args.erase(args.begin());
  }
  Invocation invocation{std::move(args), env, stop_signals};
  if (verb == "serve") return RunServe(invocation);
  if (verb == "keys") return RunKeys(invocation);
  if (verb == "doctor") return RunDoctor(invocation);
  if (verb == "users") return RunUsers(invocation);
  if (verb == "sessions") return RunSessions(invocation);
  return Fail(kExitConfig, "unknown command: " + verb + " (see --help)");
}

}  // namespace issuer::server::cli
