#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/logger.h"
#include "common/result.h"
#include "keys/key_ring.h"
#include "keys/seal.h"
#include "server/http/client_ip.h"
#include "server/http/head_limit.h"
#include "server/http/limit_rules.h"

namespace issuer::server {

// One claim taken from a source of the token's session (config file claims.from<Source>):
// source "session" (claims.fromSession: the session as get-session shows it) or a source a
// plugin serves ("member" for claims.fromMember); `field` is a path into it, dots going into
// objects ("organization.slug").
struct ClaimPick {
  std::string source;
  std::string claim;
  std::string field;
};

// How the JWT's claims come from the user: ba-issuer's stand-in for the jwt plugin's
// definePayload (config file "claims"). Added in this order, a later one winning: the user's
// fields (include, exclude), from_user, static_claims, picks (in the file's order).
struct ClaimShape {
  std::vector<std::string> include;  // user fields kept; empty: every field
  std::vector<std::string> exclude;  // user fields dropped (e.g. "image")
  std::vector<std::pair<std::string, std::string>> from_user;  // claim <- user field
  nlohmann::ordered_json static_claims = nlohmann::ordered_json::object();  // in every token
  std::vector<ClaimPick> picks;  // claims.fromSession, claims.fromMember, ...
};

// Better Auth's default secret: used when none is set, so the two interoperate out of the box.
inline constexpr char kDefaultSecret[] = "better-auth-secret-12345678901234567890";

// Everything the server is told at start. Printable: holds no secret.
struct Config {
  std::string host = "127.0.0.1";
  int port = 3000;
  std::string db_path = "./ba-issuer.db";
  // The base URL's origin ("http://localhost:3000"); empty: taken from each request's Host.
  std::string base_origin;
  std::string base_path = "/api/auth";
  std::vector<std::string> trusted_origins;  // from BETTER_AUTH_TRUSTED_ORIGINS
  std::string node_env;                       // NODE_ENV as given ("" when unset)

  int64_t token_ttl_s = 900;                 // jwt.expirationTime "15m"
  std::optional<std::string> jwt_issuer;     // jwt.issuer; default: the base origin
  nlohmann::ordered_json jwt_audience;       // jwt.audience (string or array); null: the origin
  ClaimShape claims;                         // config file "claims"
  std::string jwks_path = "/jwks";           // jwks.jwksPath, under the base path
  int64_t session_expires_in_s = 604800;     // session.expiresIn
  int64_t session_update_age_s = 86400;      // session.updateAge
  int64_t short_session_expires_in_s = 86400;  // rememberMe: false
  size_t min_password_length = 8;    // emailAndPassword.minPasswordLength
  size_t max_password_length = 128;  // emailAndPassword.maxPasswordLength
  int64_t rotation_interval_s = 0;  // jwks.rotationInterval; 0: keys never expire
  int64_t jwks_max_age_s = 300;      // JWKS Cache-Control max-age and standby lead time
  keys::KeyPolicy key_policy;        // derived from the above and --grace-period
  std::string config_file;           // --config: the JSON file read under the flags
  std::string key_file;              // --key-file: the key that signs (its text is in Secrets)
  bool test_api = false;             // --test-api: /__test/* for loopback clients
  bool console = false;              // --console: the dev console (/__console), and test_api
  bool dev_oauth = false;            // --dev-oauth: the dev OIDC provider at /__dev-oauth
  bool discovery = false;            // --discovery: /.well-known/openid-configuration, jwks.json
  LogFormat log_format = LogFormat::kText;  // --log-format
  std::string seed_file;             // --seed: users made at start (its text is in LoadedConfig)
  std::string mail_command;          // --mail-command: each dev-mailbox message, as JSON, to it
  // --allowed-host (repeatable): Host names, besides loopback ones and the base URL's, that
  // dev routes (and the API when it is pinned) answer; lowercase (server/http/host_pin.h).
  std::vector<std::string> allowed_hosts;
  // --metrics-listen ADDR:PORT: GET /metrics on its own listener; empty host: no /metrics.
  std::string metrics_host;
  int metrics_port = 0;
  std::vector<std::string> mail_env;  // --mail-env NAME: more variables the command may see
  HeadLimits head_limits;            // --max-header-size, --max-header-fields (431 past them)

  // Accounts (issue 10), with Better Auth's names and defaults.
  bool require_email_verification = false;     // emailAndPassword.requireEmailVerification
  int64_t reset_password_token_expires_in_s = 3600;  // emailAndPassword.resetPasswordTokenExpiresIn
  bool revoke_sessions_on_password_reset = false;    // emailAndPassword.revokeSessionsOnPasswordReset
  std::optional<bool> send_on_sign_up;         // emailVerification.sendOnSignUp (unset: requireEmailVerification)
  bool auto_sign_in_after_verification = false;  // emailVerification.autoSignInAfterVerification
  int64_t email_verification_expires_in_s = 3600;  // emailVerification.expiresIn
  bool delete_user_enabled = false;            // user.deleteUser.enabled
  int64_t session_fresh_age_s = 86400;         // session.freshAge (0: never checked)

  // Plugins (server/plugins/): the config file's "plugins" section as written, checked by
  // PluginSet::Load ({"admin": {"bannedUserMessage": "..."}, "twoFactor": {}}).
  nlohmann::json plugins = nlohmann::json::object();
  // Social sign-in (server/social/): the config file's socialProviders and account sections
  // as written (null when absent), checked by ParseSocialOptions. The clientSecrets are in
  // here: never print a Config.
  nlohmann::json social_providers;
  nlohmann::json account;

  // Rate limits (Better Auth's rateLimit) and whose address a request counts as
  // (advanced.ipAddress, --trusted-proxy): server/http/rate_limiter.h, client_ip.h.
  std::optional<bool> rate_limit_enabled;  // rateLimit.enabled; unset: on in production
  RateLimitRules rate_limit;               // rateLimit.window, max, customRules
  std::string rate_limit_storage;          // rateLimit.storage "memory" | "database"; "": default
  ClientIpPolicy client_ip;                // advanced.ipAddress.*, --trusted-proxy

  // Better Auth's secondaryStorage (storage/redis/secondary_repository.h): --secondary-storage
  // or secondaryStorage.url; empty: none.
  std::string secondary_storage_url;
  std::string secondary_storage_prefix = "better-auth:";  // secondaryStorage.keyPrefix
  bool store_session_in_database = false;     // session.storeSessionInDatabase
  bool preserve_session_in_database = false;  // session.preserveSessionInDatabase
  bool verification_in_database = false;      // verification.storeInDatabase

  bool production() const { return node_env == "production"; }
  bool rate_limit_on() const { return rate_limit_enabled.value_or(production()); }
  // rateLimit.storage; by default the database on PostgreSQL (the store several instances
  // share) and memory on SQLite.
  bool rate_limit_in_database() const {
    if (!rate_limit_storage.empty()) return rate_limit_storage == "database";
    if (!secondary_storage_url.empty()) return false;
    return db_path.starts_with("postgres://") || db_path.starts_with("postgresql://");
  }
  // rateLimit.storage "secondary-storage", Better Auth's default when secondaryStorage is set.
  bool rate_limit_in_secondary() const {
    if (!rate_limit_storage.empty()) return rate_limit_storage == "secondary-storage";
    return !secondary_storage_url.empty();
  }
  bool development_or_test() const { return node_env == "development" || node_env == "test"; }
  bool origin_check_enabled() const { return node_env != "test"; }
};

// Cookie and key-sealing secrets. Never printed or logged.
struct Secrets {
  keys::SecretRing ring;    // seals and opens jwks.privateKey
  std::string cookie_secret;  // HMAC key of signed cookies: the newest versioned secret, if any
  std::string key_jwk;        // --key-file's private JWK; empty without one
  // The whole environment of --mail-command ("NAME=value"): kMailEnvironment's variables and
  // --mail-env's, those that are set. Its values may be the command's own secrets.
  std::vector<std::string> mail_environment;
};

struct LoadedConfig {
  Config config;
  Secrets secrets;
  std::string seed_text;              // --seed's JSON
  std::vector<std::string> warnings;  // one line each, for stderr at start
  bool show_help = false;
  bool show_version = false;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads a whole file (the config, seed and key files); kNotFound if it cannot.
using FileReader = std::function<Result<std::string>(const std::string& path)>;

// Reads flags ("--flag value" or "--flag=value"; see UsageText) and Better Auth's environment
// variables, and the files the flags name through `read_file`. Pure: tests pass a map and a
// reader. kInvalidArgument with a one-line reason on bad input.
Result<LoadedConfig> LoadConfig(const std::vector<std::string>& args, const EnvLookup& env,
                                const FileReader& read_file);
// The same where no file may be read (a flag that names one is refused).
Result<LoadedConfig> LoadConfig(const std::vector<std::string>& args, const EnvLookup& env);

// What `serve` needs beyond LoadConfig: under NODE_ENV=production a base URL (--base-url,
// the config file's baseURL or BETTER_AUTH_URL and the like), since without one each request's
// Host would decide iss, aud and links. Stricter than Better Auth, which only warns.
// kInvalidArgument with the way out.
Status CheckServeConfig(const Config& config);

// Whether `flag` (a flag LoadConfig knows) is followed by a value; false for switches such as
// --help and --test-api, and for unknown flags.
bool FlagTakesValue(const std::string& flag);

// The release ("0.2.0"), as `--version` prints it after "ba-issuer ".
const char* Version();

// "Usage: ..." text for --help.
std::string UsageText();

// --secondary-storage and secondaryStorage.url: a redis:// or rediss:// URL, checked now.
// `what` names the setting in the message.
Status ApplySecondaryStorage(const std::string& url, const std::string& what, Config* config);

}  // namespace issuer::server
