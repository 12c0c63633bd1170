// `ba-issuer users add` and `ba-issuer sessions create`: users and sessions made without HTTP,
// for a CI script or curl, on the store a server uses (or will use).
#include <cstdio>

#include "common/clock.h"
#include "common/logger.h"
#include "common/text.h"
#include "server/app.h"
#include "server/cli/verbs.h"
#include "server/fixture/users.h"
#include "server/session/render.h"

namespace issuer::server::cli {
namespace {

// The App for a command: built as the server builds it (store, --key-file, keys), never bound.
struct Offline {
  Clock clock = Clock::System();
  Logger log{nullptr, clock};
  std::unique_ptr<App> app;
};

Result<std::unique_ptr<Offline>> OpenOffline(const VerbArgs& args, const EnvLookup& env) {
  auto loaded = LoadConfig(args.config_args, env, &ReadFile);
  if (!loaded.ok()) return loaded.error();
  auto offline = std::make_unique<Offline>();
  auto app = App::Create(std::move(*loaded), offline->clock, &SodiumRandom, offline->log);
  if (!app.ok()) return app.error();
  offline->app = std::move(*app);
  return offline;
}

int Usage(const char* text) { return Fail(kExitConfig, std::string("usage: ") + text); }

// The user spec the options describe, checked as the test API checks it.
Result<UserSpec> SpecFromOptions(const VerbArgs& args, const Config& config) {
  nlohmann::json entry = nlohmann::json::object();
  for (const auto& [option, field] : {std::pair{"--email", "email"}, {"--password", "password"},
                                      {"--name", "name"}, {"--id", "id"}}) {
    auto it = args.options.find(option);
    if (it != args.options.end()) entry[field] = it->second;
  }
  auto spec = ParseUserSpec(entry, config);
  if (!spec.ok()) return Error{spec.error().code, "--" + spec.error().message};
  return spec;
}

}  // namespace

int RunUsers(const Invocation& invocation) {
  constexpr char kUsage[] = "ba-issuer users add --email E --password P [--name N] [--id ID]";
  auto args = SplitVerbArgs(invocation.args, {}, {"--email", "--password", "--name", "--id"});
  if (!args.ok()) return Fail(kExitConfig, args.error().message);
  if (args->positionals != std::vector<std::string>{"add"} || !args->options.count("--email") ||
      !args->options.count("--password")) {
    return Usage(kUsage);
  }
  auto offline = OpenOffline(*args, invocation.env);
  if (!offline.ok()) return Fail(kExitConfig, offline.error().message);
  AuthContext& ctx = (*offline)->app->auth();
  auto spec = SpecFromOptions(*args, ctx.config);
  if (!spec.ok()) return Fail(kExitConfig, spec.error().message);
  auto user = ProvisionUser(ctx, *spec);
  if (!user.ok()) return Fail(kExitRuntime, user.error().message);
  if (!user->created) return Fail(kExitConfig, "a user with email " + spec->email + " exists");
  std::printf("%s\n", Dump(UserJson(user->user)).c_str());
  return kExitOk;
}

int RunSessions(const Invocation& invocation) {
  constexpr char kUsage[] = "ba-issuer sessions create --email E [--json]";
  auto args = SplitVerbArgs(invocation.args, {"--json"}, {"--email"});
  if (!args.ok()) return Fail(kExitConfig, args.error().message);
  if (args->positionals != std::vector<std::string>{"create"} || !args->options.count("--email")) {
    return Usage(kUsage);
  }
  auto offline = OpenOffline(*args, invocation.env);
  if (!offline.ok()) return Fail(kExitConfig, offline.error().message);
  AuthContext& ctx = (*offline)->app->auth();
  const std::string email = Lowercase(args->options["--email"]);
  auto found = ctx.repo.FindCredentialUser(email);
  if (!found.ok()) return Fail(kExitRuntime, found.error().message);
  if (!found->has_value()) {
    return Fail(kExitConfig, "no user with email " + email + " (ba-issuer users add makes one)");
  }
  const storage::UserRow& user = (*found)->user;
  auto admitted = AdmitSession(ctx, user);
  if (auto* refused = std::get_if<ApiError>(&admitted)) {
    return Fail(kExitRuntime, "no session for " + email + ": " + refused->message);
  }
  auto issued =
      IssueSession(ctx, user, HttpRequest(), std::nullopt, std::get<storage::Row>(admitted));
  if (!issued.ok()) return Fail(kExitRuntime, issued.error().message);
  if (args->switches.count("--json")) {
    std::printf("%s\n", Dump(IssuedSessionJson(user, *issued)).c_str());
  } else {
    // Shell assignments: eval "$(ba-issuer sessions create ...)"; none of the values holds a
    // single quote.
    std::printf("COOKIE='%s'\nBEARER='%s'\nJWT='%s'\n", issued->cookie.c_str(),
                issued->bearer.c_str(), issued->jwt.c_str());
  }
  return kExitOk;
}

}  // namespace issuer::server::cli
