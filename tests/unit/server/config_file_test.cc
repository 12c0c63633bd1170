// --config FILE: Better Auth's option names, each in effect, the layering (flags over the file,
// the file over the environment), and every kind of bad key refused by name.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "server/config/config.h"

namespace issuer::server {
namespace {

using Env = std::map<std::string, std::string>;

EnvLookup MapEnv(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// LoadConfig with `text` as the file "app.json".
Result<LoadedConfig> WithFile(const std::string& text, std::vector<std::string> flags = {},
                              const Env& env = {}) {
  flags.insert(flags.begin(), {"--config", "app.json"});
  return LoadConfig(flags, MapEnv(env), [text](const std::string& path) -> Result<std::string> {
    if (path == "app.json") return text;
    return Error{Errc::kNotFound, "cannot read " + path};
  });
}

LoadedConfig Loaded(const std::string& text, std::vector<std::string> flags = {},
                    const Env& env = {}) {
  auto loaded = WithFile(text, std::move(flags), env);
  INFO((loaded.ok() ? std::string() : loaded.error().message));
  REQUIRE(loaded.ok());
  return std::move(*loaded);
}

std::string FileError(const std::string& text) {
  auto loaded = WithFile(text);
  if (loaded.ok()) return "";
  CHECK(loaded.error().code == Errc::kInvalidArgument);
  return loaded.error().message;
}

constexpr char kFull[] = R"({
  "$schema": "ignored",
  "baseURL": "https://auth.example.com",
  "basePath": "/auth/",
  "trustedOrigins": ["http://localhost:5173", "https://*.example.dev"],
  "secret": "file-secret-0123456789abcdefghijklmnopqrstu",
  "session": {"expiresIn": 3600, "updateAge": 600},
  "emailAndPassword": {"enabled": true, "minPasswordLength": 12, "maxPasswordLength": 64},
  "jwt": {"issuer": "https://issuer.example", "audience": ["api-a", "api-b"],
          "expirationTime": "1h"},
  "jwks": {"jwksPath": "/keys.json", "rotationInterval": 86400, "gracePeriod": 3600},
  "claims": {"include": ["email", "name", "role"], "exclude": ["image"],
             "static": {"tenant": "t1"}, "fromUser": {"roles": "role"}}
})";

}  // namespace

TEST_SUITE("config-file") {
  TEST_CASE("every option takes effect") {
    const LoadedConfig l = Loaded(kFull);
    const Config& c = l.config;
    CHECK(c.config_file == "app.json");
    CHECK(c.base_origin == "https://auth.example.com");
    CHECK(c.base_path == "/auth");
    CHECK(c.trusted_origins ==
          std::vector<std::string>{"http://localhost:5173", "https://*.example.dev"});
    CHECK(l.secrets.ring.current == "file-secret-0123456789abcdefghijklmnopqrstu");
    CHECK(l.secrets.cookie_secret == l.secrets.ring.current);
    CHECK(c.session_expires_in_s == 3600);
    CHECK(c.session_update_age_s == 600);
    CHECK(c.min_password_length == 12);
    CHECK(c.max_password_length == 64);
    CHECK(c.jwt_issuer == "https://issuer.example");
    CHECK(c.jwt_audience == nlohmann::ordered_json{"api-a", "api-b"});
    CHECK(c.token_ttl_s == 3600);
    CHECK(c.jwks_path == "/keys.json");
    CHECK(c.key_policy.rotation_interval_ms == 86400LL * 1000);
    CHECK(c.key_policy.grace_period_ms == 3600LL * 1000);
    CHECK(c.claims.include == std::vector<std::string>{"email", "name", "role"});
    CHECK(c.claims.exclude == std::vector<std::string>{"image"});
    CHECK(c.claims.static_claims.dump() == R"({"tenant":"t1"})");
    REQUIRE(c.claims.from_user.size() == 1);
    CHECK(c.claims.from_user[0] == std::pair<std::string, std::string>{"roles", "role"});
    CHECK(Loaded(R"({"jwt": {"audience": "one"}})").config.jwt_audience == "one");
  }

  TEST_CASE("jwks.keyPairConfig picks the algorithm, jwks.keyPairConfigs adds others") {
    const LoadedConfig loaded = Loaded(R"({"jwks": {
        "keyPairConfig": {"alg": "PS256", "modulusLength": 3072},
        "keyPairConfigs": [{"alg": "EdDSA", "crv": "Ed25519"}, {"alg": "RS256", "modulusLength": 4096},
                           {"alg": "ES512"}]}})");
    const keys::KeyPolicy& policy = loaded.config.key_policy;
    CHECK(policy.alg == "PS256");
    CHECK(policy.modulus_bits == 3072);
    REQUIRE(policy.extra.size() == 3);
    CHECK(policy.extra[0].alg == "EdDSA");
    CHECK(policy.extra[1].alg == "RS256");
    CHECK(policy.extra[1].modulus_bits == 4096);
    CHECK(policy.extra[2].alg == "ES512");
    CHECK(policy.extra[2].modulus_bits == 2048);
    // --alg over the file's keyPairConfig.alg.
    CHECK(Loaded(R"({"jwks": {"keyPairConfig": {"alg": "ES256"}}})", {"--alg", "RS256"})
              .config.key_policy.alg == "RS256");
  }

  TEST_CASE("the account options take effect (issue 10)") {
    const Config defaults = Loaded("{}").config;
    CHECK_FALSE(defaults.require_email_verification);
    CHECK(defaults.reset_password_token_expires_in_s == 3600);
    CHECK_FALSE(defaults.send_on_sign_up.has_value());
    CHECK(defaults.email_verification_expires_in_s == 3600);
    CHECK_FALSE(defaults.delete_user_enabled);
    CHECK(defaults.session_fresh_age_s == 86400);
    const Config c = Loaded(R"({
      "emailAndPassword": {"requireEmailVerification": true, "resetPasswordTokenExpiresIn": 600,
                           "revokeSessionsOnPasswordReset": true},
      "emailVerification": {"sendOnSignUp": false, "autoSignInAfterVerification": true,
                            "expiresIn": 1800},
      "user": {"deleteUser": {"enabled": true}},
      "session": {"freshAge": 0}})").config;
    CHECK(c.require_email_verification);
    CHECK(c.reset_password_token_expires_in_s == 600);
    CHECK(c.revoke_sessions_on_password_reset);
    CHECK(c.send_on_sign_up == false);
    CHECK(c.auto_sign_in_after_verification);
    CHECK(c.email_verification_expires_in_s == 1800);
    CHECK(c.delete_user_enabled);
    CHECK(c.session_fresh_age_s == 0);
    CHECK(Loaded("{}", {"--mail-command", "cat > /dev/null"}).config.mail_command ==
          "cat > /dev/null");
  }

  TEST_CASE("claims.fromSession and claims.from<Source> become picks in the file's order") {
    const LoadedConfig l = Loaded(R"({"claims": {
      "fromUser": {"z": "name", "a": "email"},
      "fromSession": {"org": "activeOrganizationId", "agent": "userAgent"},
      "fromMember": {"orgSlug": "organization.slug", "orgRole": "role"},
      "fromTeam": {"team": "id"}}})");
    const ClaimShape& shape = l.config.claims;
    REQUIRE(shape.from_user.size() == 2);
    CHECK(shape.from_user[0].first == "z");  // the file's order, not the parser's sorted one
    CHECK(shape.from_user[1].first == "a");
    REQUIRE(shape.picks.size() == 5);
    const std::vector<std::string> expected = {"session org activeOrganizationId",
                                               "session agent userAgent",
                                               "member orgSlug organization.slug",
                                               "member orgRole role", "team team id"};
    for (size_t i = 0; i < expected.size(); ++i) {
      const ClaimPick& p = shape.picks[i];
      CHECK(p.source + " " + p.claim + " " + p.field == expected[i]);
    }
  }

  TEST_CASE("flags override the file, the file overrides the environment") {
    const Env env = {{"BETTER_AUTH_URL", "http://env.example"},
                     {"BETTER_AUTH_SECRET", "env-secret-0123456789abcdefghijklmnopqrst"},
                     {"BETTER_AUTH_TRUSTED_ORIGINS", "http://env-origin.example"}};
    const LoadedConfig file_over_env = Loaded(kFull, {}, env);
    CHECK(file_over_env.config.base_origin == "https://auth.example.com");
    CHECK(file_over_env.secrets.ring.current == "file-secret-0123456789abcdefghijklmnopqrstu");
    // Trusted origins add up, as Better Auth joins its option and the variable.
    CHECK(file_over_env.config.trusted_origins.size() == 3);
    const LoadedConfig flags_over_file = Loaded(
        kFull, {"--base-url", "http://flag.example:4000", "--rotation-interval=60",
                "--grace-period", "7"},
        env);
    CHECK(flags_over_file.config.base_origin == "http://flag.example:4000");
    CHECK(flags_over_file.config.base_path == "/auth");  // the file's basePath still applies
    CHECK(flags_over_file.config.key_policy.rotation_interval_ms == 60000);
    CHECK(flags_over_file.config.key_policy.grace_period_ms == 7000);
    const LoadedConfig env_only = Loaded("{}", {}, env);
    CHECK(env_only.config.base_origin == "http://env.example");
    CHECK(env_only.config.base_path == "/api/auth");
    CHECK(Loaded(R"({"basePath": "/auth"})").config.base_path == "/auth");  // no base URL
    // A path in the base URL wins over basePath, as in Better Auth.
    CHECK(Loaded(R"({"baseURL": "http://h.example/x/y", "basePath": "/auth"})").config.base_path ==
          "/x/y");
  }

  TEST_CASE("unknown keys and wrong types are refused, naming the key") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"baseUrl": "http://x"})", "baseUrl: unknown key"},
        {R"({"session": {"expiresInSeconds": 5}})", "session.expiresInSeconds: unknown key"},
        {R"({"jwt": {"expiresIn": "1h"}})", "jwt.expiresIn: unknown key"},
        {R"({"claims": {"only": []}})", "claims.only: unknown key"},
        {R"({"baseURL": 5})", "baseURL: expected a string"},
        {R"({"trustedOrigins": "http://x"})", "trustedOrigins: expected an array of strings"},
        {R"({"trustedOrigins": ["http://x", 5]})", "trustedOrigins: expected an array"},
        {R"({"secret": null})", "secret: expected a string"},
        {R"({"session": 5})", "session: expected an object"},
        {R"({"session": {"expiresIn": "7d"}})", "session.expiresIn: expected whole seconds"},
        {R"({"session": {"expiresIn": 0}})", "session.expiresIn: expected whole seconds"},
        {R"({"session": {"updateAge": 1.5}})", "session.updateAge: expected whole seconds"},
        {R"({"emailAndPassword": {"enabled": false}})", "emailAndPassword.enabled"},
        {R"({"emailAndPassword": {"minPasswordLength": "8"}})",
         "emailAndPassword.minPasswordLength: expected a whole number"},
        {R"({"emailAndPassword": {"minPasswordLength": 20, "maxPasswordLength": 10}})",
         "emailAndPassword.minPasswordLength: greater than maxPasswordLength"},
        {R"({"jwt": {"issuer": ["a"]}})", "jwt.issuer: expected a string"},
        {R"({"jwt": {"audience": 5}})", "jwt.audience: expected an array of strings"},
        {R"({"jwt": {"expirationTime": 900}})", "jwt.expirationTime: expected a time string"},
        {R"({"jwt": {"expirationTime": "soon"}})", "jwt.expirationTime: expected a time string"},
        {R"({"jwks": {"jwksPath": "jwks"}})", "jwks.jwksPath: expected a path"},
        {R"({"jwks": {"jwksPath": "/../x"}})", "jwks.jwksPath: expected a path"},
        {R"({"jwks": {"rotationInterval": -1}})", "jwks.rotationInterval: expected whole seconds"},
        {R"({"jwks": {"gracePeriod": "30d"}})", "jwks.gracePeriod: expected whole seconds"},
        {R"({"claims": {"include": "email"}})", "claims.include: expected an array of strings"},
        {R"({"claims": {"static": []}})", "claims.static: expected an object"},
        {R"({"claims": {"fromUser": {"roles": 5}}})", "claims.fromUser.roles: expected a user"},
        {R"({"claims": {"fromSession": []}})", "claims.fromSession: expected an object"},
        {R"({"claims": {"fromMember": {"orgRole": 1}}})", "claims.fromMember.orgRole: expected a field"},
        {R"({"claims": {"fromMember": {"orgRole": ""}}})", "claims.fromMember.orgRole: expected a field"},
        {R"({"claims": {"frommember": {}}})", "claims.frommember: unknown key"},
        {R"({"claims": {"from": {}}})", "claims.from: unknown key"},
        {R"({"basePath": "api"})", "basePath: expected a path"},
        {R"({"user": {"deleteUser": {"enabled": "yes"}}})", "user.deleteUser.enabled: expected true or false"},
        {R"({"user": {"changeEmail": {"enabled": true}}})", "user.changeEmail: unknown key"},
        {R"({"emailVerification": {"expiresIn": 0}})", "emailVerification.expiresIn: expected whole seconds"},
        {R"({"emailVerification": {"sendOnSignIn": true}})", "emailVerification.sendOnSignIn: unknown key"},
        {R"({"session": {"freshAge": -1}})", "session.freshAge: expected whole seconds"},
        {R"({"baseURL": "not a url"})", "config file app.json: baseURL: invalid base URL"},
        {R"({"jwks": {"keyPairConfig": "RS256"}})", "jwks.keyPairConfig: expected an object"},
        {R"({"jwks": {"keyPairConfig": {"alg": "HS256"}}})", "jwks.keyPairConfig.alg: expected"},
        {R"({"jwks": {"keyPairConfig": {"modulusLength": 2048}}})",
         "jwks.keyPairConfig.alg: missing"},
        {R"({"jwks": {"keyPairConfig": {"alg": "RS256", "modulusLength": 1024}}})",
         "jwks.keyPairConfig.modulusLength: expected a whole number from 2048"},
        {R"({"jwks": {"keyPairConfig": {"alg": "EdDSA", "crv": "Ed448"}}})",
         "jwks.keyPairConfig.crv: only Ed25519"},
        {R"({"jwks": {"keyPairConfig": {"alg": "EdDSA", "size": 1}}})",
         "jwks.keyPairConfig.size: unknown key"},
        {R"({"jwks": {"keyPairConfigs": {"alg": "RS256"}}})", "jwks.keyPairConfigs: expected an array"},
        {R"({"jwks": {"keyPairConfigs": [{"alg": "RS256"}, {"alg": "PS512"}]}})",
         "jwks.keyPairConfigs[1].alg: expected"},
        {R"({"jwks": {"keyPairConfigs": [{"alg": "ES256"}, {"alg": "ES256"}]}})",
         "jwks.keyPairConfigs[1].alg: ES256 is already configured"},
        {R"({"jwks": {"keyPairConfigs": [{"alg": "EdDSA"}]}})",
         "jwks.keyPairConfigs[0].alg: EdDSA is already configured"},
        {"[]", "expected a JSON object"},
        {"{", "not valid JSON"}};
    for (const auto& [text, reason] : cases) {
      const std::string& shown = text;  // CAPTURE cannot take a structured binding (clang 14)
      CAPTURE(shown);
      const std::string error = FileError(text);
      CHECK(error.find(reason) != std::string::npos);
      CHECK(error.rfind("config file app.json: ", 0) == 0);
    }
    auto missing = LoadConfig({"--config", "nope.json"}, MapEnv({}),
                              [](const std::string& p) -> Result<std::string> {
                                return Error{Errc::kNotFound, "cannot read " + p};
                              });
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "--config: cannot read nope.json");
  }
}

}  // namespace issuer::server
