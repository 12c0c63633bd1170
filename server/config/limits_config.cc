#include "server/config/limits_config.h"

#include <algorithm>
#include <cctype>

#include "common/text.h"
#include "server/config/config_file.h"

namespace issuer::server {
namespace {

using nlohmann::json;

Error Invalid(const std::string& key, const std::string& problem) {
  return Error{Errc::kInvalidArgument, key + ": " + problem};
}

Result<bool> Bool(const json& v, const std::string& key) {
  if (!v.is_boolean()) return Invalid(key, "expected true or false");
  return v.get<bool>();
}

// A whole number from `min` to `max`.
Result<int64_t> Whole(const json& v, const std::string& key, int64_t min, int64_t max) {
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
    return Invalid(key, "expected a whole number from " + std::to_string(min) + " to " +
                            std::to_string(max));
  }
  return v.get<int64_t>();
}

Result<int64_t> Window(const json& v, const std::string& key) {
  return Whole(v, key, 1, 10LL * 366 * 86400);  // seconds, as Better Auth's window
}

Result<int64_t> Max(const json& v, const std::string& key) {
  return Whole(v, key, 1, 1000000000);
}

// A {window, max} rule, or false: the path is not limited.
Result<std::optional<LimitRule>> CustomRule(const json& v, const std::string& key) {
  if (v == false) return std::optional<LimitRule>();
  if (!v.is_object() || !v.contains("window") || !v.contains("max")) {
    return Invalid(key, "expected {\"window\": seconds, \"max\": requests} or false");
  }
  LimitRule rule;
  for (const auto& [name, value] : v.items()) {
    Result<int64_t> n = name == "window" ? Window(value, key + ".window")
                        : name == "max"  ? Max(value, key + ".max")
                                         : Result<int64_t>(Invalid(key + "." + name, "unknown key"));
    if (!n.ok()) return n.error();
    (name == "window" ? rule.window_s : rule.max) = *n;
  }
  return std::optional<LimitRule>(rule);
}

Status SetCustomRules(const json& v, const std::string& key, Config* config) {
  if (!v.is_object()) return Invalid(key, "expected an object {\"/path\": {window, max} | false}");
  config->rate_limit.custom.clear();
  for (const auto& [path, rule] : v.items()) {
    if (path.empty() || (path[0] != '/' && path[0] != '*')) {
      return Invalid(key + "." + path, "expected a path such as \"/sign-in/email\"");
    }
    auto parsed = CustomRule(rule, key + "." + path);
    if (!parsed.ok()) return parsed.error();
    config->rate_limit.custom.push_back({PathPattern(path), *parsed});
  }
  return Status::Ok();
}

Status SetStorage(const json& v, const std::string& key, Config* config) {
  // "secondary-storage" without a secondary storage is refused once the whole config is read.
  if (v != "memory" && v != "database" && v != "secondary-storage") {
    return Invalid(key, "expected \"memory\", \"database\" or \"secondary-storage\"");
  }
  config->rate_limit_storage = v.get<std::string>();
  return Status::Ok();
}

// Header names as Better Auth reads them through Headers.get: any case.
Status SetHeaders(const json& v, const std::string& key, Config* config) {
  auto names = ConfigStrings(v, key);
  if (!names.ok()) return names.error();
  for (std::string& name : *names) {
    const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (!token) return Invalid(key, "\"" + name + "\" is not a header name");
    name = Lowercase(name);
  }
  config->client_ip.headers = std::move(*names);
  return Status::Ok();
}

template <typename T, typename Apply>
Status Set(Result<T> parsed, Apply apply) {
  if (!parsed.ok()) return parsed.error();
  apply(*parsed);
  return Status::Ok();
}

}  // namespace

bool IsLimitSection(const std::string& key) {
  return key == "rateLimit" || key == "advanced" || key == "advanced.ipAddress";
}

std::optional<Status> ApplyLimitKey(const std::string& key, const json& v, Config* config) {
  if (key == "rateLimit.enabled") {
    return Set(Bool(v, key), [&](bool b) { config->rate_limit_enabled = b; });
  }
  if (key == "rateLimit.window") {
    return Set(Window(v, key), [&](int64_t s) { config->rate_limit.fallback.window_s = s; });
  }
  if (key == "rateLimit.max") {
    return Set(Max(v, key), [&](int64_t n) { config->rate_limit.fallback.max = n; });
  }
  if (key == "rateLimit.storage") return SetStorage(v, key, config);
  if (key == "rateLimit.customRules") return SetCustomRules(v, key, config);
  if (key == "advanced.ipAddress.ipAddressHeaders") return SetHeaders(v, key, config);
  if (key == "advanced.ipAddress.ipv6Subnet") {
    return Set(Whole(v, key, 0, 128), [&](int64_t n) {
      config->client_ip.ipv6_subnet = static_cast<int>(n);
    });
  }
  if (key == "advanced.ipAddress.disableIpTracking") {
    return Set(Bool(v, key), [&](bool b) { config->client_ip.disabled = b; });
  }
  if (key == "advanced.ipAddress.trustedProxies") {
    auto entries = ConfigStrings(v, key);
    if (!entries.ok()) return entries.error();
    return AddTrustedProxies(*entries, key, config);
  }
  return std::nullopt;
}

void OrderCustomRules(std::string_view text, Config* config) {
  const auto doc = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("rateLimit") || !doc["rateLimit"].is_object()) return;
  const auto& section = doc["rateLimit"];
  if (!section.contains("customRules") || !section["customRules"].is_object()) return;
  std::vector<std::string> order;
  for (const auto& [path, rule] : section["customRules"].items()) order.push_back(path);
  auto rank = [&order](const RateLimitRules::CustomRule& c) {
    return std::find(order.begin(), order.end(), c.pattern.text()) - order.begin();
  };
  std::stable_sort(config->rate_limit.custom.begin(), config->rate_limit.custom.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

Status AddTrustedProxies(const std::vector<std::string>& entries, const std::string& what,
                         Config* config) {
  for (const std::string& entry : entries) {
    auto net = ParseCidr(entry);
    if (!net) {
      return Invalid(what, "\"" + entry + "\" is not an address or a network such as " +
                               "10.0.0.0/8 or 2001:db8::/32");
    }
    config->client_ip.trusted_proxies.push_back(*net);
  }
  return Status::Ok();
}

void AddLimitWarnings(const Config& config, std::vector<std::string>* warnings) {
  const ClientIpPolicy& ip = config.client_ip;
  if (ip.trusted_proxies.empty() && ip.headers != ClientIpPolicy().headers) {
    warnings->push_back(
        "WARNING: advanced.ipAddress.ipAddressHeaders is read only from a trusted proxy "
        "(--trusted-proxy or advanced.ipAddress.trustedProxies), and none is set: clients are "
        "keyed by their own address.");
  }
  if (ip.disabled && config.rate_limit_on()) {
    warnings->push_back(
        "WARNING: advanced.ipAddress.disableIpTracking is on: no request is rate limited (as in "
        "Better Auth), and sessions store no ipAddress.");
  }
}

}  // namespace issuer::server
