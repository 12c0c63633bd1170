// `ba-issuer keys ...` and `ba-issuer doctor`: key administration on the store, with or without
// a server running on it.
#include <cstdio>

#include "common/clock.h"
#include "common/time_format.h"
#include "server/cli/verbs.h"
#include "server/keyring/key_admin.h"
#include "storage/repository.h"

namespace issuer::server::cli {
namespace {

// A loaded config and the store it names, for one key command.
struct KeyCommand {
  LoadedConfig loaded;
  std::unique_ptr<storage::Repository> repo;
  int64_t now_ms;
  KeyAdminContext Context() const {
    return KeyAdminContext{loaded.secrets.ring, loaded.config.key_policy, &SodiumRandom, now_ms};
  }
};

Result<KeyCommand> OpenCommand(const VerbArgs& args, const EnvLookup& env, bool writes) {
  auto loaded = LoadConfig(args.config_args, env, &ReadFile);
  if (!loaded.ok()) return loaded.error();
  const std::string& db = loaded->config.db_path;
  auto repo = storage::OpenRepository(
      db, writes ? storage::OpenMode::kReadWrite : storage::OpenMode::kReadOnly);
  if (!repo.ok()) {
    return Error{repo.error().code, "cannot open database " + storage::RedactLocation(db) + ": " +
                                        repo.error().message};
  }
  return KeyCommand{std::move(*loaded), std::move(*repo), Clock::System().NowMs()};
}

std::string Expiry(const std::optional<int64_t>& ms) { return ms ? FormatIsoMs(*ms) : "-"; }

int List(KeyCommand& cmd) {
  auto keys = ListKeys(*cmd.repo, cmd.loaded.config.key_policy, cmd.now_ms);
  if (!keys.ok()) return Fail(kExitRuntime, keys.error().message);
  std::printf("%-44s %-6s %-24s %-24s %-8s %s\n", "KID", "ALG", "CREATED", "EXPIRES", "STATE",
              "PUBLISHED");
  for (const KeyListing& k : *keys) {
    std::printf("%-44s %-6s %-24s %-24s %-8s %s\n", k.kid.c_str(), k.alg.c_str(),
                FormatIsoMs(k.created_at_ms).c_str(), Expiry(k.expires_at_ms).c_str(),
                keys::KeyStateName(k.state), k.published ? "yes" : "no");
  }
  return kExitOk;
}

int Import(KeyCommand& cmd, const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return Fail(kExitConfig, text.error().message);
  auto kid = ImportKey(*cmd.repo, *text, cmd.Context());
  if (!kid.ok()) return Fail(kExitConfig, path + ": " + kid.error().message);
  std::printf("%s\n", kid->c_str());
  return kExitOk;
}

int Revoke(KeyCommand& cmd, const std::string& kid, bool replace) {
  auto revoked = RevokeKey(*cmd.repo, kid, replace, cmd.Context());
  if (!revoked.ok()) {
    const bool input = revoked.error().code == Errc::kNotFound ||
                       revoked.error().code == Errc::kInvalidArgument;
    return Fail(input ? kExitConfig : kExitRuntime, revoked.error().message);
  }
  std::printf("revoked %s\n", kid.c_str());
  if (*revoked) std::printf("signing with %s\n", (*revoked)->c_str());
  return kExitOk;
}

// The subcommand's positional arguments: exactly `want`, else a one-line error.
bool Arity(const VerbArgs& args, size_t want, const std::string& usage, int* exit_code) {
  if (args.positionals.size() == want + 1) return true;
  *exit_code = Fail(kExitConfig, "usage: ba-issuer keys " + usage);
  return false;
}

}  // namespace

int RunKeys(const Invocation& invocation) {
  auto args = SplitVerbArgs(invocation.args, {"--rotate"});
  if (!args.ok()) return Fail(kExitConfig, args.error().message);
  if (args->positionals.empty()) {
    return Fail(kExitConfig, "usage: ba-issuer keys list|rotate|revoke KID|import FILE|"
                             "export-public [--db FILE]");
  }
  const std::string sub = args->positionals.front();
  const bool writes = sub == "rotate" || sub == "revoke" || sub == "import";
  if (!writes && sub != "list" && sub != "export-public") {
    return Fail(kExitConfig, "unknown keys command: " + sub);
  }
  if (args->switches.count("--rotate") && sub != "revoke") {
    return Fail(kExitConfig, "--rotate goes with keys revoke");
  }
  int exit_code = kExitOk;
  const size_t want = (sub == "revoke" || sub == "import") ? 1 : 0;
  if (!Arity(*args, want, sub + (want ? (sub == "revoke" ? " KID" : " FILE") : ""), &exit_code)) {
    return exit_code;
  }
  auto cmd = OpenCommand(*args, invocation.env, writes);
  if (!cmd.ok()) return Fail(kExitConfig, cmd.error().message);
  if (sub == "list") return List(*cmd);
  if (sub == "import") return Import(*cmd, args->positionals[1]);
  if (sub == "revoke") return Revoke(*cmd, args->positionals[1], args->switches.count("--rotate"));
  if (sub == "rotate") {
    auto kid = RotateKey(*cmd->repo, cmd->Context());
    if (!kid.ok()) return Fail(kExitRuntime, kid.error().message);
    std::printf("%s\n", kid->c_str());
    return kExitOk;
  }
  auto jwks = ExportPublicJwks(*cmd->repo, cmd->Context());
  if (!jwks.ok()) return Fail(kExitRuntime, jwks.error().message);
  std::printf("%s\n", jwks->c_str());
  return kExitOk;
}

int RunDoctor(const Invocation& invocation) {
  auto args = SplitVerbArgs(invocation.args, {"--fix"});
  if (!args.ok()) return Fail(kExitConfig, args.error().message);
  if (!args->positionals.empty()) return Fail(kExitConfig, "usage: ba-issuer doctor [--fix]");
  const bool fix = args->switches.count("--fix") > 0;
  auto cmd = OpenCommand(*args, invocation.env, fix);
  if (!cmd.ok()) return Fail(kExitConfig, cmd.error().message);
  auto problems = CheckKeys(*cmd->repo, cmd->Context());
  if (!problems.ok()) return Fail(kExitRuntime, problems.error().message);
  bool blocking = false;
  for (const KeyProblem& p : *problems) {
    const char* what = p.mismatched ? "has a public key that does not match its private key"
                                    : "does not open with the configured secrets";
    std::printf("key %s (%s) %s%s\n", p.kid.c_str(), keys::KeyStateName(p.state), what,
                p.blocks_start ? ": the server will not start" : "");
    blocking = blocking || p.blocks_start;
  }
  if (!fix) {
    if (problems->empty()) std::printf("ok: every key opens with the configured secrets\n");
    if (!problems->empty()) {
      std::printf("run `ba-issuer doctor --fix` to retire or replace them and make a new key\n");
    }
    return blocking ? kExitConfig : kExitOk;
  }
  auto fixed = FixKeys(*cmd->repo, cmd->Context());
  if (!fixed.ok()) return Fail(kExitRuntime, fixed.error().message);
  for (const std::string& kid : fixed->retired) std::printf("retired %s\n", kid.c_str());
  for (const std::string& kid : fixed->removed) std::printf("removed %s\n", kid.c_str());
  if (!fixed->retired.empty() || !fixed->removed.empty()) std::printf("made a new signing key\n");
  return kExitOk;
}

}  // namespace issuer::server::cli
