#include "server/config/config.h"

#include <algorithm>
#include <charconv>

#include "server/config/config_file.h"
#include "server/config/limits_config.h"
#include "server/http/host_pin.h"
#include "server/fixture/mail_command.h"
#include "server/http/loopback.h"
#include "server/http/url.h"
#include "common/text.h"
#include "storage/redis/secondary_repository.h"

namespace issuer::server {
namespace {

// Better Auth's base URL variables, in its lookup order (compat spec §0).
constexpr const char* kBaseUrlVars[] = {"BETTER_AUTH_URL",           "NEXT_PUBLIC_BETTER_AUTH_URL",
                                        "PUBLIC_BETTER_AUTH_URL",    "NUXT_PUBLIC_BETTER_AUTH_URL",
                                        "NUXT_PUBLIC_AUTH_URL",      "BASE_URL"};

Error Invalid(std::string message) { return Error{Errc::kInvalidArgument, std::move(message)}; }

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    std::string item = Trim(s.substr(start, comma == s.npos ? s.npos : comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == s.npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<std::string> NonEmpty(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

// `fallback_path`: the base path when the URL has none (Better Auth's basePath).
Status ApplyBaseUrl(const std::string& url, const std::string& fallback_path, Config* config) {
  auto parsed = ParseUrl(url);
  if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https")) {
    return Invalid("invalid base URL: " + url);
  }
  config->base_origin = parsed->Origin();
  std::string path = parsed->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  config->base_path = path.empty() ? fallback_path : path;
  return Status::Ok();
}

Result<int> ParsePort(const std::string& text) {
  int port = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
    return Invalid("invalid --port: " + text);
  }
  return port;
}

// BETTER_AUTH_SECRETS="2:secretB,1:secretA", newest first.
Result<std::vector<keys::SecretRing::Versioned>> ParseVersionedSecrets(const std::string& text) {
  std::vector<keys::SecretRing::Versioned> out;
  for (const std::string& item : SplitList(text)) {
    const size_t colon = item.find(':');
    int version = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + (colon == item.npos ? 0 : colon),
                                     version);
    if (colon == item.npos || ec != std::errc() || end != item.data() + colon ||
        colon + 1 == item.size()) {
      return Invalid("BETTER_AUTH_SECRETS must look like \"2:secretB,1:secretA\"");
    }
    out.push_back({version, Trim(std::string_view(item).substr(colon + 1))});
  }
  return out;
}

// A whole number of seconds, 0 to 10 years.
Result<int64_t> ParseSeconds(const std::string& flag, const std::string& text) {
  int64_t value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > 10LL * 366 * 86400) {
    return Invalid("invalid " + flag + ": " + text + " (whole seconds)");
  }
  return value;
}

// --allowed-host NAME: a host name or IP, without scheme or port (any port is allowed).
Result<std::string> AllowedHostName(const std::string& value) {
  const bool bracketed = value.starts_with("[");
  auto name = PinnedName(value);
  if (!name || (!bracketed && value.find(':') != std::string::npos) ||
      (bracketed && !value.ends_with("]"))) {
    return Invalid("invalid --allowed-host: " + value +
                   " (a host name such as dev.example.test, without scheme or port)");
  }
  return *name;
}

// --metrics-listen ADDR:PORT, PORT or :PORT (then on 127.0.0.1); [::1]:PORT for IPv6.
Status ApplyMetricsListen(const std::string& value, Config* config) {
  const Error invalid = Invalid("invalid --metrics-listen: " + value +
                                " (ADDR:PORT, e.g. 127.0.0.1:9464, or a port alone)");
  const bool port_only = value.find_first_not_of("0123456789") == std::string::npos ||
                         (value.starts_with(":") && value.size() > 1);
  const std::string text = port_only ? "127.0.0.1:" + value.substr(value[0] == ':' ? 1 : 0) : value;
  auto parsed = ParseHostHeader(text);
  if (!parsed || parsed->port.empty()) return invalid;
  auto port = ParsePort(parsed->port);
  if (!port.ok()) return invalid;
  std::string host = parsed->host;
  if (host.starts_with("[")) host = host.substr(1, host.size() - 2);
  config->metrics_host = std::move(host);
  config->metrics_port = *port;
  return Status::Ok();
}

// A whole number from `min` to `max` (a size or a count).
}  // namespace

Status ApplySecondaryStorage(const std::string& url, const std::string& what, Config* config) {
  if (Status st = storage::CheckSecondaryStorageUrl(url); !st.ok()) {
    return Invalid(what + ": " + st.error().message);
  }
  config->secondary_storage_url = url;
  return Status::Ok();
}

namespace {

Result<size_t> ParseBounded(const std::string& flag, const std::string& text, size_t min,
                            size_t max) {
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Invalid("invalid " + flag + ": " + text + " (" + std::to_string(min) + " to " +
                   std::to_string(max) + ")");
  }
  return value;
}

// --max-header-size BYTES, --max-header-fields N: Node's bound (16 KiB) raised or lowered.
Status ApplyHeadLimit(const std::string& flag, const std::string& value, Config* config) {
  const bool bytes = flag == "--max-header-size";
  auto parsed = bytes ? ParseBounded(flag, value, 1024, 1024 * 1024)
                      : ParseBounded(flag, value, 1, 10000);
  if (!parsed.ok()) return parsed.error();
  (bytes ? config->head_limits.max_bytes : config->head_limits.max_fields) = *parsed;
  return Status::Ok();
}

// --mail-env NAME: a variable name (letters, digits, '_'), not one that holds a secret.
Status AddMailEnv(const std::string& name, Config* config) {
  const bool word = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
  if (!word) return Invalid("invalid --mail-env: " + name + " (a variable name)");
  if (name.starts_with("BETTER_AUTH_") || name == "AUTH_SECRET" || name == "DATABASE_URL") {
    return Invalid("--mail-env " + name + ": the mail command never sees the server's secrets");
  }
  config->mail_env.push_back(name);
  return Status::Ok();
}

struct FlagSpec {
  const char* name;
  bool takes_value;
};
constexpr FlagSpec kFlags[] = {
    {"--host", true},         {"--port", true},          {"--db", true},
    {"--base-url", true},     {"--rotation-interval", true}, {"--grace-period", true},
    {"--jwks-max-age", true}, {"--key-file", true},      {"--test-api", false},
    {"--seed", true},         {"--config", true},        {"--log-format", true},
    {"--discovery", false},   {"--alg", true},           {"--mail-command", true},
    {"--trusted-proxy", true}, {"--help", false},       {"-h", false},
    {"--version", false},     {"--allowed-host", true},  {"--metrics-listen", true},
    {"--max-header-size", true}, {"--max-header-fields", true}, {"--mail-env", true},
    {"--secondary-storage", true}, {"--console", false}, {"--dev-oauth", false}};

const FlagSpec* FindFlag(const std::string& flag) {
  for (const FlagSpec& spec : kFlags) {
    if (flag == spec.name) return &spec;
  }
  return nullptr;
}

// The flags in order, "--flag=value" split like "--flag value"; switches have no value.
using FlagList = std::vector<std::pair<std::string, std::string>>;
Result<FlagList> ParseFlags(const std::vector<std::string>& args) {
  FlagList out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    const size_t eq = flag.find('=');
    if (flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    const FlagSpec* spec = FindFlag(flag);
    if (spec == nullptr || (!spec->takes_value && value)) {
      return Invalid("unknown argument: " + flag);
    }
    if (spec->takes_value && !value) {
      if (i + 1 >= args.size()) return Invalid(flag + " needs a value");
      value = args[++i];
    }
    out.emplace_back(flag, value.value_or(""));
  }
  return out;
}

// Inputs that several layers (environment, then flags) may set; the last one wins and the
// result is checked once, at the end.
struct Inputs {
  std::optional<std::string> base_url;
  std::string base_url_source;  // for the error message: "BETTER_AUTH_URL", "--base-url"
  std::optional<std::string> base_path;
  std::optional<std::string> secret;
  std::optional<std::string> key_file;
  std::optional<std::string> seed_file;
};

Status ApplyFlag(const std::string& flag, const std::string& value, Inputs* in,
                 LoadedConfig* out) {
  Config& config = out->config;
  if (flag == "--help" || flag == "-h" || flag == "--version") {
    // LoadConfig looked at these first.
  } else if (flag == "--host") {
    config.host = value;
  } else if (flag == "--db") {
    config.db_path = value;
  } else if (flag == "--base-url") {
    in->base_url = value;
    in->base_url_source = "";
  } else if (flag == "--key-file") {
    in->key_file = value;
  } else if (flag == "--config") {
    // Read before the other flags (LoadConfig): the flags override the file.
  } else if (flag == "--seed") {
    in->seed_file = value;
  } else if (flag == "--log-format") {
    if (value != "text" && value != "json") return Invalid("--log-format: text or json");
    config.log_format = value == "json" ? LogFormat::kJson : LogFormat::kText;
  } else if (flag == "--discovery") {
    config.discovery = true;
  } else if (flag == "--test-api") {
    config.test_api = true;
  } else if (flag == "--dev-oauth") {
    config.dev_oauth = true;
  } else if (flag == "--console") {
    // The console is a page over the test API: it needs every /__test route.
    config.console = true;
    config.test_api = true;
  } else if (flag == "--mail-command") {
    config.mail_command = value;
  } else if (flag == "--allowed-host") {
    auto name = AllowedHostName(value);
    if (!name.ok()) return name.error();
    config.allowed_hosts.push_back(std::move(*name));
  } else if (flag == "--metrics-listen") {
    return ApplyMetricsListen(value, &config);
  } else if (flag == "--secondary-storage") {
    return ApplySecondaryStorage(value, "--secondary-storage", &config);
  } else if (flag == "--mail-env") {
    return AddMailEnv(value, &config);
  } else if (flag == "--max-header-size" || flag == "--max-header-fields") {
    return ApplyHeadLimit(flag, value, &config);
  } else if (flag == "--trusted-proxy") {
    const std::vector<std::string> entries = SplitList(value);
    if (entries.empty()) return Invalid("--trusted-proxy needs an address or network (CIDR)");
    return AddTrustedProxies(entries, "invalid --trusted-proxy", &config);
  } else if (flag == "--alg") {
    if (!keys::CanSign(value)) {
      return Invalid("invalid --alg: " + value + " (EdDSA, ES256, ES512, RS256 or PS256)");
    }
    config.key_policy.alg = value;
  } else if (flag == "--port") {
    auto port = ParsePort(value);
    if (!port.ok()) return port.error();
    config.port = *port;
  } else {
    auto seconds = ParseSeconds(flag, value);
    if (!seconds.ok()) return seconds.error();
    if (flag == "--rotation-interval") {
      config.rotation_interval_s = *seconds;
    } else if (flag == "--grace-period") {
      config.key_policy.grace_period_ms = *seconds * 1000;
    } else {
      config.jwks_max_age_s = *seconds;
    }
  }
  return Status::Ok();
}

// Better Auth's base URL variables, the first that is set ("/", Vite's BASE_URL default, is
// no URL).
void BaseUrlFromEnv(const EnvLookup& env, Inputs* in) {
  for (const char* name : kBaseUrlVars) {
    auto url = NonEmpty(env, name);
    if (!url || *url == "/") continue;
    in->base_url = *url;
    in->base_url_source = name;
    return;
  }
}

Status ResolveBaseUrl(const Inputs& in, Config* config) {
  config->base_path = in.base_path.value_or("/api/auth");  // checked by the config file
  if (!in.base_url) return Status::Ok();
  Status st = ApplyBaseUrl(*in.base_url, config->base_path, config);
  if (!st.ok() && !in.base_url_source.empty()) {
    return Invalid(in.base_url_source + ": " + st.error().message);
  }
  return st;
}

// jwks.rotationInterval and the standby lead time, which is also the JWKS max-age: at most
// half the interval, so a standby is always published before it signs.
void ApplyKeyPolicy(Config* config) {
  keys::KeyPolicy& policy = config->key_policy;
  int64_t lead_ms = config->jwks_max_age_s * 1000;
  if (config->rotation_interval_s > 0) {
    policy.rotation_interval_ms = config->rotation_interval_s * 1000;
    lead_ms = std::min(lead_ms, *policy.rotation_interval_ms / 2);
  }
  policy.lead_time_ms = lead_ms;
}

void SecretFromEnv(const EnvLookup& env, Inputs* in) {
  in->secret = NonEmpty(env, "BETTER_AUTH_SECRET");
  if (!in->secret) in->secret = NonEmpty(env, "AUTH_SECRET");
}

// No secret in the environment: BETTER_AUTH_SECRET_FILE names a file holding it (an error if it
// cannot be read or is empty), else systemd's LoadCredential=secret:… ($CREDENTIALS_DIRECTORY/
// secret, used when present). Trailing newlines are not part of the secret.
Status SecretFromFile(const EnvLookup& env, const FileReader& read_file, Inputs* in) {
  if (in->secret) return Status::Ok();
  auto trimmed = [](std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  };
  if (auto path = NonEmpty(env, "BETTER_AUTH_SECRET_FILE")) {
    auto text = read_file(*path);
    if (!text.ok()) return Invalid("BETTER_AUTH_SECRET_FILE: " + text.error().message);
    in->secret = trimmed(std::move(*text));
    if (in->secret->empty()) return Invalid("BETTER_AUTH_SECRET_FILE: " + *path + " is empty");
    return Status::Ok();
  }
  if (auto dir = NonEmpty(env, "CREDENTIALS_DIRECTORY")) {
    auto text = read_file(*dir + "/secret");
    if (!text.ok()) return Status::Ok();  // no such credential
    std::string secret = trimmed(std::move(*text));
    if (!secret.empty()) in->secret = std::move(secret);
  }
  return Status::Ok();
}

Status ApplySecrets(const EnvLookup& env, const std::optional<std::string>& secret,
                    LoadedConfig* out) {
  if (auto versioned = NonEmpty(env, "BETTER_AUTH_SECRETS")) {
    auto parsed = ParseVersionedSecrets(*versioned);
    if (!parsed.ok()) return parsed.error();
    out->secrets.ring.versions = std::move(*parsed);
  }
  const bool have_versioned = !out->secrets.ring.versions.empty();
  if (out->config.production() && secret == std::string(kDefaultSecret)) {
    return Invalid("the default secret is refused in production; set BETTER_AUTH_SECRET");
  }
  if (!secret && !have_versioned) {
    if (out->config.production()) {
      return Invalid("BETTER_AUTH_SECRET is not set; the default secret is refused in production");
    }
    out->warnings.push_back(
        "WARNING: BETTER_AUTH_SECRET is not set; using Better Auth's public default secret. "
        "Anyone can forge sessions. Set BETTER_AUTH_SECRET for anything but local development.");
  }
  out->secrets.ring.current = secret.value_or(have_versioned ? "" : kDefaultSecret);
  out->secrets.cookie_secret =
      have_versioned ? out->secrets.ring.versions.front().value : out->secrets.ring.current;
  if (out->secrets.cookie_secret.size() < 32 && secret) {
    out->warnings.push_back("WARNING: the secret is shorter than 32 characters.");
  }
  return Status::Ok();
}

// --config FILE: Better Auth's option names, over the environment and under the flags.
Status ReadConfigFile(const FlagList& flags, const FileReader& read_file, Inputs* in,
                      LoadedConfig* out) {
  std::optional<std::string> path;
  for (const auto& [flag, value] : flags) {
    if (flag == "--config") path = value;
  }
  if (!path) return Status::Ok();
  auto text = read_file(*path);
  if (!text.ok()) return Invalid("--config: " + text.error().message);
  FileSettings file;
  if (Status st = ApplyConfigFile(*text, &file, &out->config); !st.ok()) {
    return Invalid("config file " + *path + ": " + st.error().message);
  }
  out->config.config_file = *path;
  if (file.base_url) {
    in->base_url = file.base_url;
    in->base_url_source = "config file " + *path + ": baseURL";
  }
  if (file.base_path) in->base_path = file.base_path;
  if (file.secret) in->secret = file.secret;
  for (std::string& origin : file.trusted_origins) {
    out->config.trusted_origins.push_back(std::move(origin));
  }
  return Status::Ok();
}

// The files the flags name: --key-file (its text is a secret) and --seed.
Status ReadFlagFiles(const Inputs& in, const FileReader& read_file, LoadedConfig* out) {
  if (in.key_file) {
    auto text = read_file(*in.key_file);
    if (!text.ok()) return Invalid("--key-file: " + text.error().message);
    out->config.key_file = *in.key_file;
    out->secrets.key_jwk = std::move(*text);
  }
  if (in.seed_file) {
    auto text = read_file(*in.seed_file);
    if (!text.ok()) return Invalid("--seed: " + text.error().message);
    out->config.seed_file = *in.seed_file;
    out->seed_text = std::move(*text);
  }
  return Status::Ok();
}

// The test API mints sessions and tokens for anyone who can reach it: never in production, and
// only on an address other machines cannot reach.
Status CheckTestApi(const Config& config) {
  if (!config.test_api) return Status::Ok();
  const std::string flag = config.console ? "--console" : "--test-api";
  if (config.production()) return Invalid(flag + " is refused with NODE_ENV=production");
  if (!IsLoopback(config.host)) {
    return Invalid(flag + " needs a loopback --host (127.0.0.1, ::1 or localhost), not " +
                   config.host);
  }
  return Status::Ok();
}

// The dev OAuth provider signs anyone in: the test API's rules.
Status CheckDevOAuth(const Config& config) {
  if (!config.dev_oauth) return Status::Ok();
  if (config.production()) return Invalid("--dev-oauth is refused with NODE_ENV=production");
  if (!IsLoopback(config.host)) {
    return Invalid("--dev-oauth needs a loopback --host (127.0.0.1, ::1 or localhost), not " +
                   config.host);
  }
  return Status::Ok();
}

// --mail-command's environment: the allow-listed variables and --mail-env's, where set.
std::vector<std::string> MailEnvironment(const EnvLookup& env, const Config& config) {
  std::vector<std::string> names(std::begin(kMailEnvironment), std::end(kMailEnvironment));
  names.insert(names.end(), config.mail_env.begin(), config.mail_env.end());
  std::vector<std::string> out;
  for (const std::string& name : names) {
    if (auto value = env(name)) out.push_back(name + "=" + *value);
  }
  if (!env("PATH")) out.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
  return out;
}

// Everything after the flags are known: the environment under them, then the values they set.
Status Resolve(const FlagList& flags, const EnvLookup& env, const FileReader& read_file,
               LoadedConfig* out) {
  Inputs in;
  BaseUrlFromEnv(env, &in);
  SecretFromEnv(env, &in);
  if (Status st = SecretFromFile(env, read_file, &in); !st.ok()) return st;
  if (auto trusted = NonEmpty(env, "BETTER_AUTH_TRUSTED_ORIGINS")) {
    out->config.trusted_origins = SplitList(*trusted);
  }
  // A PostgreSQL DATABASE_URL (as Better Auth apps set it) selects that store; --db overrides.
  if (auto url = NonEmpty(env, "DATABASE_URL");
      url && (url->starts_with("postgres://") || url->starts_with("postgresql://"))) {
    out->config.db_path = *url;
  }
  if (Status st = ReadConfigFile(flags, read_file, &in, out); !st.ok()) return st;
  for (const auto& [flag, value] : flags) {
    if (Status st = ApplyFlag(flag, value, &in, out); !st.ok()) return st;
  }
  if (Status st = ResolveBaseUrl(in, &out->config); !st.ok()) return st;
  if (Status st = ApplySecrets(env, in.secret, out); !st.ok()) return st;
  if (Status st = ReadFlagFiles(in, read_file, out); !st.ok()) return st;
  if (Status st = CheckTestApi(out->config); !st.ok()) return st;
  if (Status st = CheckDevOAuth(out->config); !st.ok()) return st;
  if (out->config.rate_limit_storage == "secondary-storage" &&
      out->config.secondary_storage_url.empty()) {
    return Invalid("rateLimit.storage: \"secondary-storage\" needs a secondary storage "
                   "(--secondary-storage or secondaryStorage.url)");
  }
  ApplyKeyPolicy(&out->config);
  if (!out->config.mail_command.empty()) {
    out->secrets.mail_environment = MailEnvironment(env, out->config);
  }
  AddLimitWarnings(out->config, &out->warnings);
  if (out->config.base_origin.empty()) {
    out->warnings.push_back(
        "WARNING: no base URL set (--base-url or BETTER_AUTH_URL); using each request's Host.");
  }
  return Status::Ok();
}

}  // namespace

Result<LoadedConfig> LoadConfig(const std::vector<std::string>& args, const EnvLookup& env,
                                const FileReader& read_file) {
  auto flags = ParseFlags(args);
  if (!flags.ok()) return flags.error();
  LoadedConfig out;
  out.config.node_env = env("NODE_ENV").value_or("");
  for (const auto& [flag, value] : *flags) {
    if (flag == "--help" || flag == "-h") out.show_help = true;
    if (flag == "--version") out.show_version = true;
  }
  if (out.show_help || out.show_version) return out;
  if (Status st = Resolve(*flags, env, read_file, &out); !st.ok()) return st.error();
  return out;
}

Result<LoadedConfig> LoadConfig(const std::vector<std::string>& args, const EnvLookup& env) {
  return LoadConfig(args, env, [](const std::string& path) -> Result<std::string> {
    return Error{Errc::kNotFound, "cannot read " + path + " here"};
  });
}

Status CheckServeConfig(const Config& config) {
  if (!config.production() || !config.base_origin.empty()) return Status::Ok();
  return Invalid(
      "NODE_ENV=production needs a base URL: set --base-url or BETTER_AUTH_URL to the public "
      "URL (without one each request's Host would decide iss, aud and reset links)");
}

bool FlagTakesValue(const std::string& flag) {
  const FlagSpec* spec = FindFlag(flag);
  return spec != nullptr && spec->takes_value;
}

}  // namespace issuer::server
