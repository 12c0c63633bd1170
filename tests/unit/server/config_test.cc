#include "server/config/config.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

namespace issuer::server {
namespace {

using Env = std::map<std::string, std::string>;
using Args = std::vector<std::string>;

constexpr char kLongSecret[] = "0123456789abcdef0123456789abcdef-long-enough";

EnvLookup MapEnv(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

LoadedConfig Load(const Args& args, const Env& env = {}) {
  auto loaded = LoadConfig(args, MapEnv(env));
  INFO((loaded.ok() ? std::string() : loaded.error().message));
  REQUIRE(loaded.ok());
  return std::move(*loaded);
}

// The error message, or "" if LoadConfig unexpectedly succeeded.
std::string LoadError(const Args& args, const Env& env = {}) {
  auto loaded = LoadConfig(args, MapEnv(env));
  if (loaded.ok()) return "";
  CHECK(loaded.error().code == Errc::kInvalidArgument);
  return loaded.error().message;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool AnyWarningMentions(const LoadedConfig& loaded, const std::string& part) {
  for (const std::string& w : loaded.warnings) {
    if (Contains(w, part)) return true;
  }
  return false;
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("defaults") {
    const LoadedConfig loaded = Load({});
    const Config& c = loaded.config;
    CHECK(c.host == "127.0.0.1");
    CHECK(c.port == 3000);
    CHECK(c.db_path == "./ba-issuer.db");
    CHECK(c.base_origin.empty());
    CHECK(c.base_path == "/api/auth");
    CHECK(c.trusted_origins.empty());
    CHECK(c.node_env.empty());
    CHECK(c.token_ttl_s == 900);
    CHECK(c.session_expires_in_s == 604800);
    CHECK(c.session_update_age_s == 86400);
    CHECK(c.key_policy.grace_period_ms == 30LL * 24 * 3600 * 1000);
    CHECK_FALSE(c.key_policy.rotation_interval_ms.has_value());
    CHECK_FALSE(loaded.show_help);
    CHECK(loaded.secrets.ring.current == kDefaultSecret);
    CHECK(loaded.secrets.ring.versions.empty());
    CHECK(loaded.secrets.cookie_secret == kDefaultSecret);
    CHECK(AnyWarningMentions(loaded, "BETTER_AUTH_SECRET"));
    CHECK(AnyWarningMentions(loaded, "base URL"));
  }

  TEST_CASE("--host, --db and --port") {
    const LoadedConfig loaded =
        Load({"--host", "0.0.0.0", "--db", ":memory:", "--port", "0"}, {{"BETTER_AUTH_SECRET",
                                                                           kLongSecret}});
    CHECK(loaded.config.host == "0.0.0.0");
    CHECK(loaded.config.db_path == ":memory:");
    CHECK(loaded.config.port == 0);
    CHECK(Load({"--port", "65535"}).config.port == 65535);
    CHECK(Load({"--port", "8080", "--port", "9090"}).config.port == 9090);
  }

  TEST_CASE("bad ports are rejected") {
    for (const char* bad : {"65536", "-1", "abc", "80x", "", " 80", "8080 ", "99999999999"}) {
      CAPTURE(bad);
      CHECK(Contains(LoadError({"--port", bad}), "--port"));
    }
    CHECK(Contains(LoadError({"--port"}), "--port"));
  }

  TEST_CASE("--base-url sets the origin and the base path") {
    SUBCASE("with a path") {
      const Config c = Load({"--base-url", "https://Auth.Example.com/custom/base/"}).config;
      CHECK(c.base_origin == "https://auth.example.com");
      CHECK(c.base_path == "/custom/base");
    }
    SUBCASE("without a path") {
      const Config c = Load({"--base-url", "http://localhost:3000"}).config;
      CHECK(c.base_origin == "http://localhost:3000");
      CHECK(c.base_path == "/api/auth");
    }
    SUBCASE("root path and default port") {
      const Config c = Load({"--base-url", "http://localhost:80/"}).config;
      CHECK(c.base_origin == "http://localhost");
      CHECK(c.base_path == "/api/auth");
    }
    SUBCASE("no base-url warning once set") {
      CHECK_FALSE(AnyWarningMentions(Load({"--base-url", "http://localhost:3000"}), "base URL"));
    }
  }

  TEST_CASE("BETTER_AUTH_URL and its fallbacks") {
    SUBCASE("used when there is no flag") {
      const Config c = Load({}, {{"BETTER_AUTH_URL", "http://127.0.0.1:4000/auth"}}).config;
      CHECK(c.base_origin == "http://127.0.0.1:4000");
      CHECK(c.base_path == "/auth");
    }
    SUBCASE("the flag wins over the environment") {
      const Config c =
          Load({"--base-url", "https://flag.example"}, {{"BETTER_AUTH_URL", "http://env.example"}})
              .config;
      CHECK(c.base_origin == "https://flag.example");
      CHECK(c.base_path == "/api/auth");
    }
    SUBCASE("lookup order") {
      CHECK(Load({}, {{"BASE_URL", "http://base.example"}}).config.base_origin ==
            "http://base.example");
      CHECK(Load({}, {{"BASE_URL", "http://base.example"},
                      {"NEXT_PUBLIC_BETTER_AUTH_URL", "http://next.example"}})
                .config.base_origin == "http://next.example");
      CHECK(Load({}, {{"BETTER_AUTH_URL", "http://ba.example"},
                      {"NEXT_PUBLIC_BETTER_AUTH_URL", "http://next.example"}})
                .config.base_origin == "http://ba.example");
      CHECK(Load({}, {{"BETTER_AUTH_URL", ""}, {"PUBLIC_BETTER_AUTH_URL", "http://pub.example"}})
                .config.base_origin == "http://pub.example");
    }
  }

  TEST_CASE("invalid base URLs are rejected") {
    CHECK_FALSE(LoadError({"--base-url", "not a url"}).empty());
    CHECK_FALSE(LoadError({"--base-url", "ftp://files.example"}).empty());
    CHECK_FALSE(LoadError({"--base-url", "http://"}).empty());
    CHECK_FALSE(LoadError({"--base-url", "localhost:3000"}).empty());
    CHECK(Contains(LoadError({}, {{"BETTER_AUTH_URL", "::nonsense::"}}), "BETTER_AUTH_URL"));
    CHECK(Contains(LoadError({"--base-url"}), "--base-url"));
  }

  TEST_CASE("BASE_URL=\"/\" is ignored, as Better Auth's getBaseURL does") {
    // better-auth/dist/utils/url.mjs: (env.BASE_URL !== "/" ? env.BASE_URL : void 0); Vite sets
    // BASE_URL to "/" by default.
    auto loaded = LoadConfig({}, MapEnv({{"BASE_URL", "/"}}));
    CHECK(loaded.ok());
    if (loaded.ok()) CHECK(loaded->config.base_origin.empty());
  }

  TEST_CASE("an explicit --base-url makes the base URL variables irrelevant") {
    // Better Auth reads the variables only when options.baseURL is unset.
    auto loaded = LoadConfig({"--base-url", "http://localhost:3000"},
                             MapEnv({{"BETTER_AUTH_URL", "not a url"}}));
    CHECK(loaded.ok());
  }

  TEST_CASE("secret lookup order") {
    SUBCASE("BETTER_AUTH_SECRET first") {
      const LoadedConfig l =
          Load({}, {{"BETTER_AUTH_SECRET", kLongSecret}, {"AUTH_SECRET", "auth-secret-value"}});
      CHECK(l.secrets.ring.current == kLongSecret);
      CHECK(l.secrets.cookie_secret == kLongSecret);
      CHECK_FALSE(AnyWarningMentions(l, "BETTER_AUTH_SECRET is not set"));
      CHECK_FALSE(AnyWarningMentions(l, "shorter than 32"));
    }
    SUBCASE("AUTH_SECRET next") {
      CHECK(Load({}, {{"AUTH_SECRET", kLongSecret}}).secrets.ring.current == kLongSecret);
      CHECK(Load({}, {{"BETTER_AUTH_SECRET", ""}, {"AUTH_SECRET", kLongSecret}})
                .secrets.ring.current == kLongSecret);
    }
    SUBCASE("the public default, with a warning") {
      const LoadedConfig l = Load({}, {{"NODE_ENV", "development"}});
      CHECK(l.secrets.ring.current == kDefaultSecret);
      CHECK(AnyWarningMentions(l, "BETTER_AUTH_SECRET is not set"));
    }
    SUBCASE("a short secret warns") {
      const LoadedConfig l = Load({}, {{"BETTER_AUTH_SECRET", "short"}});
      CHECK(l.secrets.ring.current == "short");
      CHECK(AnyWarningMentions(l, "shorter than 32"));
    }
  }

  TEST_CASE("production refuses the default secret") {
    CHECK(Contains(LoadError({}, {{"NODE_ENV", "production"}}), "BETTER_AUTH_SECRET"));
    const LoadedConfig l = Load({}, {{"NODE_ENV", "production"}, {"BETTER_AUTH_SECRET",
                                                                  kLongSecret}});
    CHECK(l.config.production());
    CHECK(Load({}, {{"NODE_ENV", "production"}, {"BETTER_AUTH_SECRETS", "1:versioned-secret"}})
              .config.production());
  }

  TEST_CASE("production refuses the default secret even when it is set explicitly") {
    // better-auth/dist/context/create-context.mjs validateSecret: secret === DEFAULT_SECRET &&
    // isProduction throws, wherever the value came from.
    CHECK_FALSE(
        LoadError({}, {{"NODE_ENV", "production"}, {"BETTER_AUTH_SECRET", kDefaultSecret}})
            .empty());
  }

  TEST_CASE("the secret from a file: BETTER_AUTH_SECRET_FILE, then systemd's credential") {
    const std::map<std::string, std::string> files = {
        {"/run/secret", std::string(kLongSecret) + "\n"},
        {"/run/credentials/ba-issuer.service/secret",
         "credential-secret-0123456789abcdefghijklmnop\r\n"},
        {"/run/empty", "\n"}};
    auto read = [&](const std::string& path) -> Result<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return Error{Errc::kNotFound, "no such file: " + path};
      return it->second;
    };
    auto load = [&](const Env& env) { return LoadConfig({}, MapEnv(env), read); };
    auto secret = [&](const Env& env) {
      auto loaded = load(env);
      REQUIRE(loaded.ok());
      return loaded->secrets.ring.current;
    };
    auto error = [&](const Env& env) {
      auto loaded = load(env);
      return loaded.ok() ? std::string() : loaded.error().message;
    };
    CHECK(secret({{"BETTER_AUTH_SECRET_FILE", "/run/secret"}}) == kLongSecret);
    CHECK(secret({{"CREDENTIALS_DIRECTORY", "/run/credentials/ba-issuer.service"}}) ==
          "credential-secret-0123456789abcdefghijklmnop");
    // The environment's own secret comes first.
    CHECK(secret({{"BETTER_AUTH_SECRET", "env-secret-0123456789abcdefghijklmnopq"},
                  {"BETTER_AUTH_SECRET_FILE", "/run/secret"}}) ==
          "env-secret-0123456789abcdefghijklmnopq");
    CHECK(Contains(error({{"BETTER_AUTH_SECRET_FILE", "/run/missing"}}),
                   "BETTER_AUTH_SECRET_FILE: no such file"));
    CHECK(Contains(error({{"BETTER_AUTH_SECRET_FILE", "/run/empty"}}), "is empty"));
    // A credentials directory without `secret` is no secret: production refuses to start.
    CHECK(Contains(error({{"NODE_ENV", "production"},
                          {"BETTER_AUTH_URL", "https://auth.example.com"},
                          {"CREDENTIALS_DIRECTORY", "/run/none"}}),
                   "BETTER_AUTH_SECRET is not set"));
  }

  TEST_CASE("BETTER_AUTH_SECRETS") {
    SUBCASE("newest first; the cookie secret is the newest") {
      const LoadedConfig l = Load({}, {{"BETTER_AUTH_SECRETS", "2:secretB,1:secretA"}});
      REQUIRE(l.secrets.ring.versions.size() == 2);
      CHECK(l.secrets.ring.versions[0].version == 2);
      CHECK(l.secrets.ring.versions[0].value == "secretB");
      CHECK(l.secrets.ring.versions[1].version == 1);
      CHECK(l.secrets.ring.versions[1].value == "secretA");
      CHECK(l.secrets.cookie_secret == "secretB");
      CHECK(l.secrets.ring.current.empty());
      CHECK_FALSE(AnyWarningMentions(l, "BETTER_AUTH_SECRET is not set"));
    }
    SUBCASE("with a legacy BETTER_AUTH_SECRET for bare-hex rows") {
      const LoadedConfig l = Load({}, {{"BETTER_AUTH_SECRETS", " 3:c , 2:b,"},
                                       {"BETTER_AUTH_SECRET", kLongSecret}});
      REQUIRE(l.secrets.ring.versions.size() == 2);
      CHECK(l.secrets.ring.versions[0].value == "c");
      CHECK(l.secrets.ring.versions[1].version == 2);
      CHECK(l.secrets.ring.current == kLongSecret);
      CHECK(l.secrets.cookie_secret == "c");
    }
    SUBCASE("a secret may contain ':'") {
      const LoadedConfig l = Load({}, {{"BETTER_AUTH_SECRETS", "1:a:b:c"}});
      REQUIRE(l.secrets.ring.versions.size() == 1);
      CHECK(l.secrets.ring.versions[0].value == "a:b:c");
    }
    SUBCASE("malformed entries are rejected") {
      for (const char* bad : {"secretB", "x:secret", "2:", ":secret", "2:b,oops"}) {
        CAPTURE(bad);
        CHECK(Contains(LoadError({}, {{"BETTER_AUTH_SECRETS", bad}}), "BETTER_AUTH_SECRETS"));
      }
    }
  }

  TEST_CASE("BETTER_AUTH_SECRETS values are trimmed as Better Auth trims them") {
    // better-auth/dist/context/secret-utils.mjs parseSecretsEnv: value = entry.slice(colon+1).trim()
    const LoadedConfig l = Load({}, {{"BETTER_AUTH_SECRETS", "2: secretB ,1:secretA"}});
    REQUIRE(l.secrets.ring.versions.size() == 2);
    CHECK(l.secrets.ring.versions[0].value == "secretB");
  }

  TEST_CASE("BETTER_AUTH_TRUSTED_ORIGINS is split and trimmed") {
    const Config c =
        Load({}, {{"BETTER_AUTH_TRUSTED_ORIGINS",
                   " https://a.example , http://b.example:8080,,*.c.example ,\thttps://*.d.io"}})
            .config;
    CHECK(c.trusted_origins == std::vector<std::string>{"https://a.example",
                                                        "http://b.example:8080", "*.c.example",
                                                        "https://*.d.io"});
    CHECK(Load({}, {{"BETTER_AUTH_TRUSTED_ORIGINS", ""}}).config.trusted_origins.empty());
  }

  TEST_CASE("NODE_ENV switches") {
    CHECK(Load({}, {{"NODE_ENV", "test"}}).config.development_or_test());
    CHECK_FALSE(Load({}, {{"NODE_ENV", "test"}}).config.origin_check_enabled());
    CHECK(Load({}, {{"NODE_ENV", "development"}}).config.origin_check_enabled());
    CHECK(Load({}, {{"NODE_ENV", "development"}}).config.node_env == "development");
    CHECK_FALSE(Load({}).config.production());
  }

  TEST_CASE("--flag=value works like --flag value") {
    const LoadedConfig loaded = Load({"--port=3001", "--db=/tmp/x.db", "--host", "0.0.0.0"});
    CHECK(loaded.config.port == 3001);
    CHECK(loaded.config.db_path == "/tmp/x.db");
    CHECK(loaded.config.host == "0.0.0.0");
    CHECK(Load({"--base-url=http://a.example:8080/auth"}).config.base_path == "/auth");
  }

  TEST_CASE("key lifecycle options: rotation interval, grace period and the lead time") {
    const LoadedConfig defaults = Load({});
    CHECK_FALSE(defaults.config.key_policy.rotation_interval_ms.has_value());
    CHECK(defaults.config.key_policy.grace_period_ms == 30LL * 86400 * 1000);
    CHECK(defaults.config.key_policy.lead_time_ms == 300 * 1000);
    const LoadedConfig rotating =
        Load({"--rotation-interval", "3600", "--grace-period=60", "--jwks-max-age", "120"});
    CHECK(rotating.config.key_policy.rotation_interval_ms == 3600 * 1000);
    CHECK(rotating.config.key_policy.grace_period_ms == 60 * 1000);
    CHECK(rotating.config.key_policy.lead_time_ms == 120 * 1000);
    // The lead time (and max-age) is at most half the interval.
    CHECK(Load({"--rotation-interval=3"}).config.key_policy.lead_time_ms == 1500);
    CHECK(Load({"--rotation-interval=0"}).config.key_policy.rotation_interval_ms == std::nullopt);
    CHECK(Contains(LoadError({"--grace-period", "-1"}), "invalid --grace-period"));
    CHECK(Contains(LoadError({"--rotation-interval", "1h"}), "invalid --rotation-interval"));
  }

  TEST_CASE("--key-file is read through the reader, its text goes to the secrets only") {
    const FileReader files = [](const std::string& path) -> Result<std::string> {
      if (path == "key.jwk") return std::string("{\"kty\":\"OKP\"}");
      return Error{Errc::kNotFound, "cannot read " + path};
    };
    auto loaded = LoadConfig({"--key-file", "key.jwk"}, MapEnv({}), files);
    REQUIRE(loaded.ok());
    CHECK(loaded->config.key_file == "key.jwk");
    CHECK(loaded->secrets.key_jwk == "{\"kty\":\"OKP\"}");
    auto missing = LoadConfig({"--key-file=nope.jwk"}, MapEnv({}), files);
    REQUIRE_FALSE(missing.ok());
    CHECK(Contains(missing.error().message, "--key-file: cannot read nope.jwk"));
    CHECK(Load({}).secrets.key_jwk.empty());
  }

  TEST_CASE("--test-api: only on a loopback host and never in production") {
    CHECK(Load({"--test-api"}).config.test_api);
    CHECK_FALSE(Load({}).config.test_api);
    for (const char* host : {"127.0.0.1", "::1", "localhost", "127.0.0.2"}) {
      CAPTURE(host);
      CHECK(Load({"--test-api", "--host", host}).config.test_api);
    }
    for (const char* host : {"0.0.0.0", "::", "192.168.1.10", "example.com"}) {
      CAPTURE(host);
      CHECK(Contains(LoadError({"--test-api", "--host", host}), "loopback"));
    }
    CHECK(Contains(LoadError({"--test-api"}, {{"NODE_ENV", "production"},
                                              {"BETTER_AUTH_SECRET", kLongSecret}}),
                   "NODE_ENV=production"));
    CHECK(Contains(LoadError({"--test-api=1"}), "--test-api"));
  }

  TEST_CASE("--allowed-host: repeatable, a host name without scheme or port") {
    CHECK(Load({}).config.allowed_hosts.empty());
    const Config c = Load({"--allowed-host", "Dev.Example.Test", "--allowed-host=[::2]",
                           "--allowed-host", "192.168.1.5"})
                         .config;
    CHECK(c.allowed_hosts == std::vector<std::string>{"dev.example.test", "[::2]", "192.168.1.5"});
    for (const char* bad : {"", "http://dev.example.test", "dev.example.test:8080", "a/b",
                            "[::1", "a b"}) {
      CAPTURE(bad);
      CHECK(Contains(LoadError({"--allowed-host", bad}), "invalid --allowed-host"));
    }
  }

  TEST_CASE("--metrics-listen: ADDR:PORT, or a port alone on 127.0.0.1") {
    CHECK(Load({}).config.metrics_host.empty());
    const Config a = Load({"--metrics-listen", "9464"}).config;
    CHECK(a.metrics_host == "127.0.0.1");
    CHECK(a.metrics_port == 9464);
    const Config b = Load({"--metrics-listen=:9100"}).config;
    CHECK(b.metrics_host == "127.0.0.1");
    CHECK(b.metrics_port == 9100);
    const Config c = Load({"--metrics-listen", "0.0.0.0:9100"}).config;
    CHECK(c.metrics_host == "0.0.0.0");
    const Config d = Load({"--metrics-listen", "[::1]:9100"}).config;
    CHECK(d.metrics_host == "::1");
    CHECK(d.metrics_port == 9100);
    for (const char* bad : {"", ":", "localhost", "127.0.0.1:", "127.0.0.1:99999", "a b:1"}) {
      CAPTURE(bad);
      CHECK(Contains(LoadError({"--metrics-listen", bad}), "invalid --metrics-listen"));
    }
  }

  TEST_CASE("serve under NODE_ENV=production needs a base URL (stricter than Better Auth)") {
    const Env prod = {{"NODE_ENV", "production"}, {"BETTER_AUTH_SECRET", kLongSecret}};
    const Status refused = CheckServeConfig(Load({}, prod).config);
    REQUIRE_FALSE(refused.ok());
    CHECK(Contains(refused.error().message, "NODE_ENV=production needs a base URL"));
    CHECK(Contains(refused.error().message, "--base-url"));
    CHECK(Contains(refused.error().message, "BETTER_AUTH_URL"));
    CHECK(CheckServeConfig(Load({"--base-url", "https://auth.example.com"}, prod).config).ok());
    Env with_env = prod;
    with_env["BETTER_AUTH_URL"] = "https://auth.example.com";
    CHECK(CheckServeConfig(Load({}, with_env).config).ok());
    CHECK(CheckServeConfig(Load({}).config).ok());  // development: Host decides, with a warning
  }

  TEST_CASE("--version is reported, and switches take no value") {
    CHECK(Load({"--version"}).show_version);
    CHECK(Contains(LoadError({"--version=1"}), "--version"));
    CHECK(FlagTakesValue("--port"));
    CHECK_FALSE(FlagTakesValue("--version"));
    CHECK_FALSE(FlagTakesValue("--bogus"));
  }

  TEST_CASE("unknown flags are rejected and --help is reported") {
    CHECK(Contains(LoadError({"--verbose"}), "--verbose"));
    CHECK(Contains(LoadError({"extra"}), "extra"));
    CHECK(Contains(LoadError({"--verbose=1"}), "--verbose"));
    CHECK(Contains(LoadError({"--port=abc"}), "invalid --port: abc"));
    CHECK(Load({"--help"}).show_help);
    CHECK(Load({"-h"}).show_help);
    CHECK(Contains(UsageText(), "Usage: ba-issuer"));
  }

  TEST_CASE("--max-header-size and --max-header-fields set the head bounds, within limits") {
    CHECK(Load({}).config.head_limits.max_bytes == 16384);
    CHECK(Load({}).config.head_limits.max_fields == 100);
    const LoadedConfig loaded = Load({"--max-header-size", "32768", "--max-header-fields=200"});
    CHECK(loaded.config.head_limits.max_bytes == 32768);
    CHECK(loaded.config.head_limits.max_fields == 200);
    CHECK(Contains(LoadError({"--max-header-size", "100"}), "1024 to 1048576"));
    CHECK(Contains(LoadError({"--max-header-fields", "0"}), "1 to 10000"));
    CHECK(Contains(LoadError({"--max-header-fields", "x"}), "invalid --max-header-fields"));
  }

  TEST_CASE("--mail-command's environment: the allow-list and --mail-env, never a secret") {
    const Env env = {{"PATH", "/bin"}, {"TZ", "UTC"}, {"BETTER_AUTH_SECRET", kLongSecret},
                     {"DATABASE_URL", "postgres://u:p@h/d"}, {"SMTP_HOST", "mail"},
                     {"OTHER", "x"}};
    const LoadedConfig loaded =
        Load({"--mail-command", "cat", "--mail-env", "SMTP_HOST", "--mail-env", "UNSET"}, env);
    CHECK(loaded.secrets.mail_environment ==
          std::vector<std::string>{"PATH=/bin", "TZ=UTC", "SMTP_HOST=mail"});
    CHECK(Load({}, env).secrets.mail_environment.empty());  // no command, nothing kept
    const LoadedConfig no_path = Load({"--mail-command", "cat"}, {});
    CHECK(no_path.secrets.mail_environment ==
          std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin"});
    for (const char* name : {"BETTER_AUTH_SECRET", "BETTER_AUTH_URL", "AUTH_SECRET", "DATABASE_URL"}) {
      CAPTURE(name);
      CHECK(Contains(LoadError({"--mail-env", name}), "never sees the server's secrets"));
    }
    CHECK(Contains(LoadError({"--mail-env", "A=B"}), "a variable name"));
  }
}

}  // namespace issuer::server
