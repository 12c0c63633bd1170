#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/http/api_error.h"
#include "server/http/route.h"
#include "server/http/types.h"
#include "storage/rows.h"

namespace issuer::server {

struct AuthContext;
struct Site;

// A Better Auth plugin served natively (server/plugins/<name>/): its schema, its routes and its
// hooks into the core flows. The core calls the hooks through PluginSet and names no plugin.
// A hook that does not apply returns nullopt (or does nothing). Hooks run on request threads:
// a plugin keeps no request state in itself.
class Plugin {
 public:
  virtual ~Plugin() = default;

  // Better Auth's id ("admin", "two-factor", ...).
  virtual std::string_view id() const = 0;

  // The tables and columns the plugin adds, declared to the store at start: they are made if
  // missing (as Better Auth's migration would) and every read of them is typed by them.
  virtual std::vector<storage::TableDecl> Schema() const { return {}; }

  // The plugin's endpoints (paths include the base path; limit_path is relative to it).
  virtual std::vector<Route> Routes(AuthContext& /*ctx*/) { return {}; }

  // Better Auth's hooks.before on a core route (`path` relative to the base path:
  // "/sign-up/email", "/update-user"), run once its JSON body is parsed and the origins are
  // checked, before the route's own checks: may refuse the request or change the body.
  virtual std::optional<ApiError> BeforeRoute(AuthContext& /*ctx*/, std::string_view /*path*/,
                                              const HttpRequest& /*request*/,
                                              nlohmann::json* /*body*/) {
    return std::nullopt;
  }

  // Before a user is made (sign-up with its JSON body, or nullptr from the fixture and seed):
  // may add columns to `user` (the admin's default role) or refuse it (a taken username).
  virtual std::optional<ApiError> BeforeUserCreate(AuthContext& /*ctx*/,
                                                   const nlohmann::json* /*body*/,
                                                   storage::UserRow* /*user*/) {
    return std::nullopt;
  }

  // Before update-user writes: may refuse it, or add columns to `set` from the body.
  virtual std::optional<ApiError> BeforeUserUpdate(AuthContext& /*ctx*/,
                                                   const nlohmann::json& /*body*/,
                                                   const storage::UserRow& /*user*/,
                                                   storage::Row* /*set*/) {
    return std::nullopt;
  }

  // Before any session is made for `user`, on every path that makes one (Better Auth's
  // session.create.before): an error refuses it (a banned user); the hook may write and
  // change `user` (an expired ban lifted) and add columns to the new session.
  virtual std::optional<ApiError> BeforeSessionCreate(AuthContext& /*ctx*/,
                                                      storage::UserRow* /*user*/,
                                                      storage::Row* /*session_extra*/) {
    return std::nullopt;
  }

  // A password sign-in that passed every check and whose session may be made (not yet
  // stored): a reply answers it instead, and no session is made (two-factor's redirect).
  struct SignIn {
    const storage::UserRow& user;
    const HttpRequest& request;
    const Site& site;
    bool remember;
  };
  virtual std::optional<HttpReply> InterceptSignIn(AuthContext& /*ctx*/, const SignIn& /*in*/) {
    return std::nullopt;
  }

  // A password sign-in whose session was made and whose reply (`reply`, cookies set) answers
  // it: may add cookies (two-factor's trusted-device cookie, renewed).
  virtual void AfterSignIn(AuthContext& /*ctx*/, const SignIn& /*in*/, HttpReply* /*reply*/) {}

  // Whether a live session still serves (get-session, token, every session route): false
  // makes it answer as no session. ba-issuer refuses a banned user's leftover sessions.
  virtual bool SessionUsable(AuthContext& /*ctx*/, const storage::SessionWithUser& /*found*/) {
    return true;
  }

  // Whether list-sessions shows this session of the caller (the admin plugin hides
  // impersonation sessions, as its after-hook on /list-sessions does).
  virtual bool SessionListed(const storage::SessionRow& /*session*/) const { return true; }

  // The claim sources the plugin serves to the token's claims: config file claims.from<Source>
  // reads source "<source>" ("member" for claims.fromMember).
  virtual std::vector<std::string> ClaimSources() const { return {}; }

  // Source `source` (one of ClaimSources()) for a token of session `found`: a JSON object whose
  // fields the claims pick, or null when there is none for this session (no claim is added). An
  // error fails the token (5xx). Called only when the config picks from the source.
  virtual Result<nlohmann::ordered_json> ClaimSource(AuthContext& /*ctx*/,
                                                     std::string_view /*source*/,
                                                     const storage::SessionWithUser& /*found*/) {
    return nlohmann::ordered_json();
  }

  // Better Auth's rateLimit rules of the plugin: paths (relative to the base path) starting
  // with `prefix` get `max` requests per `window_s`.
  struct LimitRule {
    std::string prefix;
    int64_t window_s;
    int64_t max;
  };
  virtual std::vector<LimitRule> LimitRules() const { return {}; }

  // OAuth providers the plugin adds to the social providers (genericOAuth's config entries,
  // as written: server/social/options.h reads them).
  virtual std::vector<nlohmann::json> SocialProviderConfigs() const { return {}; }
};

}  // namespace issuer::server
