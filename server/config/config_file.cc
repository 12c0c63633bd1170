#include "server/config/config_file.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "keys/key_ring.h"
#include "server/config/duration.h"
#include "server/config/limits_config.h"

namespace issuer::server {
namespace {

using nlohmann::json;

Error Invalid(const std::string& key, const std::string& problem) {
  return Error{Errc::kInvalidArgument, key + ": " + problem};
}

Result<std::string> String(const json& v, const std::string& key) {
  if (!v.is_string()) return Invalid(key, "expected a string");
  return v.get<std::string>();
}

Result<std::vector<std::string>> Strings(const json& v, const std::string& key) {
  if (!v.is_array()) return Invalid(key, "expected an array of strings");
  std::vector<std::string> out;
  for (const json& item : v) {
    if (!item.is_string()) return Invalid(key, "expected an array of strings");
    out.push_back(item);
  }
  return out;
}

// Whole seconds, at least `min`, at most 10 years.
Result<int64_t> Seconds(const json& v, const std::string& key, int64_t min = 0) {
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > 10LL * 366 * 86400) {
    return Invalid(key, "expected whole seconds (" + std::to_string(min) + " or more)");
  }
  return v.get<int64_t>();
}

Result<bool> Bool(const json& v, const std::string& key) {
  if (!v.is_boolean()) return Invalid(key, "expected true or false");
  return v.get<bool>();
}

Result<size_t> Length(const json& v, const std::string& key) {
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 4096) {
    return Invalid(key, "expected a whole number from 1 to 4096");
  }
  return static_cast<size_t>(v.get<int64_t>());
}

// A URL path such as "/keys.json", without a trailing '/', "..", query or fragment; "/" (the
// root, as "") only with `allow_root`.
Result<std::string> UrlPath(const json& v, const std::string& key, bool allow_root = false) {
  auto path = String(v, key);
  if (!path.ok()) return path;
  if (allow_root && *path == "/") return std::string();
  while (path->size() > 1 && path->back() == '/') path->pop_back();
  if (path->empty() || path->front() != '/' || *path == "/" ||
      path->find("..") != std::string::npos || path->find_first_of("?#\\ ") != std::string::npos) {
    return Invalid(key, "expected a path such as \"/jwks\"");
  }
  return path;
}

struct Target {
  FileSettings* settings;
  Config* config;
};
using Setter = Status (*)(const json& value, const std::string& key, Target& t);

template <typename T, typename Apply>
Status Set(Result<T> parsed, Apply apply) {
  if (!parsed.ok()) return parsed.error();
  apply(std::move(*parsed));
  return Status::Ok();
}

Status SetAudience(const json& v, const std::string& key, Target& t) {
  if (v.is_string()) {
    t.config->jwt_audience = v.get<std::string>();
    return Status::Ok();
  }
  return Set(Strings(v, key), [&](std::vector<std::string> a) { t.config->jwt_audience = a; });
}

Status SetExpirationTime(const json& v, const std::string& key, Target& t) {
  std::optional<int64_t> seconds;
  if (v.is_string()) seconds = ParseDuration(v.get<std::string>());
  if (!seconds || *seconds <= 0) {
    return Invalid(key, "expected a time string such as \"15m\" or \"1h\"");
  }
  t.config->token_ttl_s = *seconds;
  return Status::Ok();
}

Status SetEnabled(const json& v, const std::string& key, Target&) {
  if (v != true) return Invalid(key, "ba-issuer always serves email and password (true)");
  return Status::Ok();
}

Status SetFromUser(const json& v, const std::string& key, Target& t) {
  if (!v.is_object()) return Invalid(key, "expected an object {claim: userField}");
  for (const auto& [claim, field] : v.items()) {
    if (!field.is_string()) return Invalid(key + "." + claim, "expected a user field name");
    t.config->claims.from_user.emplace_back(claim, field.get<std::string>());
  }
  return Status::Ok();
}

// claims.from<Source> (fromSession, fromMember, ...): {claim: "field.path"}, in the file's
// order, for source "<source>" (the key's rest, its first letter made lowercase). Whether a
// source other than "session" is served is checked once the plugins are loaded.
Status SetFromSource(const json& v, const std::string& key, Target& t) {
  std::string source = key.substr(std::string_view("claims.from").size());
  source[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(source[0])));
  if (!v.is_object()) return Invalid(key, "expected an object {claim: \"field\" or \"a.b\"}");
  for (const auto& [claim, field] : v.items()) {
    if (!field.is_string() || field.get<std::string>().empty()) {
      return Invalid(key + "." + claim, "expected a field name (dots go into objects)");
    }
    t.config->claims.picks.push_back({source, claim, field.get<std::string>()});
  }
  return Status::Ok();
}

bool IsFromSourceKey(const std::string& key) {
  constexpr std::string_view kPrefix = "claims.from";
  return key.size() > kPrefix.size() && key.compare(0, kPrefix.size(), kPrefix) == 0 &&
         std::isupper(static_cast<unsigned char>(key[kPrefix.size()])) &&
         key.find('.', kPrefix.size()) == std::string::npos;
}

Status SetStatic(const json& v, const std::string& key, Target& t) {
  if (!v.is_object()) return Invalid(key, "expected an object of claims");
  t.config->claims.static_claims = nlohmann::ordered_json::parse(v.dump());
  return Status::Ok();
}

// A jwks.keyPairConfig object: {alg, modulusLength?, crv?}.
Result<keys::KeyPairConfig> KeyPair(const json& v, const std::string& key) {
  if (!v.is_object()) return Invalid(key, "expected an object {alg, modulusLength?, crv?}");
  keys::KeyPairConfig out;
  for (const auto& [name, value] : v.items()) {
    if (name == "alg") {
      if (!value.is_string() || !keys::CanSign(value.get<std::string>())) {
        return Invalid(key + ".alg", "expected EdDSA, ES256, ES512, RS256 or PS256");
      }
      out.alg = value.get<std::string>();
    } else if (name == "modulusLength") {
      if (!value.is_number_integer() || value.get<int64_t>() < 2048 ||
          value.get<int64_t>() > 8192) {
        return Invalid(key + ".modulusLength", "expected a whole number from 2048 to 8192");
      }
      out.modulus_bits = value.get<int>();
    } else if (name == "crv") {
      // jose's generateKeyPair reads crv for EdDSA only; ba-issuer's EdDSA is Ed25519.
      if (value != "Ed25519") return Invalid(key + ".crv", "only Ed25519 is supported");
    } else {
      return Invalid(key + "." + name, "unknown key");
    }
  }
  if (out.alg.empty()) return Invalid(key + ".alg", "missing");
  return out;
}

Status SetKeyPairConfig(const json& v, const std::string& key, Target& t) {
  return Set(KeyPair(v, key), [&](keys::KeyPairConfig c) {
    t.config->key_policy.alg = c.alg;
    t.config->key_policy.modulus_bits = c.modulus_bits;
  });
}

// The extra algorithms; one that repeats another, or the primary, is refused (checked once all
// keys are read, since keyPairConfig may come after it).
Status SetKeyPairConfigs(const json& v, const std::string& key, Target& t) {
  if (!v.is_array()) return Invalid(key, "expected an array of {alg, modulusLength?}");
  std::vector<keys::KeyPairConfig> extra;
  for (size_t i = 0; i < v.size(); ++i) {
    auto config = KeyPair(v[i], key + "[" + std::to_string(i) + "]");
    if (!config.ok()) return config.error();
    extra.push_back(std::move(*config));
  }
  t.config->key_policy.extra = std::move(extra);
  return Status::Ok();
}

Status CheckDistinctAlgs(const keys::KeyPolicy& policy) {
  std::vector<std::string> seen = {policy.alg};
  for (size_t i = 0; i < policy.extra.size(); ++i) {
    const std::string& alg = policy.extra[i].alg;
    if (std::find(seen.begin(), seen.end(), alg) != seen.end()) {
      return Invalid("jwks.keyPairConfigs[" + std::to_string(i) + "].alg",
                     alg + " is already configured");
    }
    seen.push_back(alg);
  }
  return Status::Ok();
}

struct Key {
  const char* path;
  Setter set;
};
const Key kKeys[] = {
    {"baseURL", [](const json& v, const std::string& k, Target& t) {
       return Set(String(v, k), [&](std::string s) { t.settings->base_url = s; });
     }},
    {"basePath", [](const json& v, const std::string& k, Target& t) {
       return Set(UrlPath(v, k, true), [&](std::string s) { t.settings->base_path = s; });
     }},
    {"secret", [](const json& v, const std::string& k, Target& t) {
       return Set(String(v, k), [&](std::string s) { t.settings->secret = s; });
     }},
    {"trustedOrigins", [](const json& v, const std::string& k, Target& t) {
       return Set(Strings(v, k), [&](std::vector<std::string> s) {
         t.settings->trusted_origins = std::move(s);
       });
     }},
    {"session.expiresIn", [](const json& v, const std::string& k, Target& t) {
       return Set(Seconds(v, k, 1), [&](int64_t s) { t.config->session_expires_in_s = s; });
     }},
    {"session.updateAge", [](const json& v, const std::string& k, Target& t) {
       return Set(Seconds(v, k), [&](int64_t s) { t.config->session_update_age_s = s; });
     }},
    {"session.storeSessionInDatabase", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->store_session_in_database = b; });
     }},
    {"session.preserveSessionInDatabase", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->preserve_session_in_database = b; });
     }},
    {"verification.storeInDatabase", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->verification_in_database = b; });
     }},
    {"secondaryStorage.url", [](const json& v, const std::string& k, Target& t) {
       auto url = String(v, k);
       if (!url.ok()) return Status(url.error());
       return ApplySecondaryStorage(*url, k, t.config);
     }},
    {"secondaryStorage.keyPrefix", [](const json& v, const std::string& k, Target& t) {
       return Set(String(v, k), [&](std::string s) { t.config->secondary_storage_prefix = s; });
     }},
    {"session.freshAge", [](const json& v, const std::string& k, Target& t) {
       return Set(Seconds(v, k), [&](int64_t s) { t.config->session_fresh_age_s = s; });
     }},
    {"emailAndPassword.enabled", &SetEnabled},
    {"emailAndPassword.requireEmailVerification", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->require_email_verification = b; });
     }},
    {"emailAndPassword.resetPasswordTokenExpiresIn", [](const json& v, const std::string& k, Target& t) {
       return Set(Seconds(v, k, 1), [&](int64_t s) { t.config->reset_password_token_expires_in_s = s; });
     }},
    {"emailAndPassword.revokeSessionsOnPasswordReset", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->revoke_sessions_on_password_reset = b; });
     }},
    {"emailVerification.sendOnSignUp", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->send_on_sign_up = b; });
     }},
    {"emailVerification.autoSignInAfterVerification", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->auto_sign_in_after_verification = b; });
     }},
    {"emailVerification.expiresIn", [](const json& v, const std::string& k, Target& t) {
       return Set(Seconds(v, k, 1), [&](int64_t s) { t.config->email_verification_expires_in_s = s; });
     }},
    {"user.deleteUser.enabled", [](const json& v, const std::string& k, Target& t) {
       return Set(Bool(v, k), [&](bool b) { t.config->delete_user_enabled = b; });
     }},
    {"emailAndPassword.minPasswordLength", [](const json& v, const std::string& k, Target& t) {
       return Set(Length(v, k), [&](size_t n) { t.config->min_password_length = n; });
     }},
    {"emailAndPassword.maxPasswordLength", [](const json& v, const std::string& k, Target& t) {
       return Set(Length(v, k), [&](size_t n) { t.config->max_password_length = n; });
     }},
    {"jwt.issuer", [](const json& v, const std::string& k, Target& t) {
       return Set(String(v, k), [&](std::string s) { t.config->jwt_issuer = s; });
     }},
    {"jwt.audience", &SetAudience},
    {"jwt.expirationTime", &SetExpirationTime},
    {"jwks.jwksPath", [](const json& v, const std::string& k, Target& t) {
       return Set(UrlPath(v, k), [&](std::string s) { t.config->jwks_path = s; });
     }},
    {"jwks.rotationInterval", [](const json& v, const std::string& k, Target& t) {
       return Set(Seconds(v, k), [&](int64_t s) { t.config->rotation_interval_s = s; });
     }},
    {"jwks.gracePeriod", [](const json& v, const std::string& k, Target& t) {
       return Set(Seconds(v, k), [&](int64_t s) { t.config->key_policy.grace_period_ms = s * 1000; });
     }},
    {"jwks.keyPairConfig", &SetKeyPairConfig},
    {"jwks.keyPairConfigs", &SetKeyPairConfigs},
    {"claims.include", [](const json& v, const std::string& k, Target& t) {
       return Set(Strings(v, k), [&](std::vector<std::string> s) { t.config->claims.include = s; });
     }},
    {"claims.exclude", [](const json& v, const std::string& k, Target& t) {
       return Set(Strings(v, k), [&](std::vector<std::string> s) { t.config->claims.exclude = s; });
     }},
    {"claims.static", &SetStatic},
    {"claims.fromUser", &SetFromUser},
};

constexpr const char* kSections[] = {"session",           "emailAndPassword", "emailVerification",
                                     "user",              "user.deleteUser",  "jwt",
                                     "jwks",              "claims",           "secondaryStorage",
                                     "verification"};

bool IsSection(const std::string& key) {
  for (const char* section : kSections) {
    if (key == section) return true;
  }
  return false;
}

Status ApplyObject(const json& object, const std::string& prefix, Target& t) {
  for (const auto& [name, value] : object.items()) {
    const std::string key = prefix + name;
    if (prefix.empty() && name == "$schema") continue;
    if (prefix.empty() && name == "plugins") {  // read by PluginSet::Load
      if (!value.is_object()) return Invalid(key, "expected an object");
      t.config->plugins = value;
      continue;
    }
    if (prefix.empty() && (name == "socialProviders" || name == "account")) {
      if (!value.is_object()) return Invalid(key, "expected an object");
      (name == "account" ? t.config->account : t.config->social_providers) = value;
      continue;  // read by social::ParseSocialOptions
    }
    if (IsSection(key) || IsLimitSection(key)) {
      if (!value.is_object()) return Invalid(key, "expected an object");
      if (Status st = ApplyObject(value, key + ".", t); !st.ok()) return st;
      continue;
    }
    const Key* found = nullptr;
    for (const Key& k : kKeys) {
      if (key == k.path) found = &k;
    }
    if (found == nullptr && IsFromSourceKey(key)) {
      if (Status st = SetFromSource(value, key, t); !st.ok()) return st;
      continue;
    }
    if (found == nullptr) {
      if (auto st = ApplyLimitKey(key, value, t.config)) {
        if (!st->ok()) return *st;
        continue;
      }
      return Invalid(key, "unknown key");
    }
    if (Status st = found->set(value, key, t); !st.ok()) return st;
  }
  return Status::Ok();
}

// The claims the unordered parse read with its keys sorted, put in the file's order:
// claims.fromUser's entries, and the picks of claims.from<Source> (by source key, then claim).
void OrderClaims(std::string_view text, Config* config) {
  const auto doc = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("claims") || !doc["claims"].is_object()) return;
  std::vector<std::string> order;  // "fromX.claim"
  for (const auto& [key, entries] : doc["claims"].items()) {
    if (!entries.is_object()) continue;
    for (const auto& [claim, field] : entries.items()) order.push_back(key + "." + claim);
  }
  auto rank = [&order](const std::string& entry) {
    return std::find(order.begin(), order.end(), entry) - order.begin();
  };
  ClaimShape& shape = config->claims;
  std::stable_sort(shape.from_user.begin(), shape.from_user.end(), [&](const auto& a, const auto& b) {
    return rank("fromUser." + a.first) < rank("fromUser." + b.first);
  });
  auto key_of = [](const ClaimPick& pick) {
    return "from" + std::string(1, static_cast<char>(std::toupper(
                                       static_cast<unsigned char>(pick.source[0])))) +
           pick.source.substr(1) + "." + pick.claim;
  };
  std::stable_sort(shape.picks.begin(), shape.picks.end(), [&](const auto& a, const auto& b) {
    return rank(key_of(a)) < rank(key_of(b));
  });
}

}  // namespace

Result<std::vector<std::string>> ConfigStrings(const json& v, const std::string& key) {
  return Strings(v, key);
}

Status ApplyConfigFile(const std::string& text, FileSettings* settings, Config* config) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error{Errc::kInvalidArgument, "not valid JSON"};
  if (!doc.is_object()) return Error{Errc::kInvalidArgument, "expected a JSON object"};
  Target target{settings, config};
  if (Status st = ApplyObject(doc, "", target); !st.ok()) return st;
  OrderCustomRules(text, config);
  OrderClaims(text, config);
  if (config->min_password_length > config->max_password_length) {
    return Invalid("emailAndPassword.minPasswordLength", "greater than maxPasswordLength");
  }
  return CheckDistinctAlgs(config->key_policy);
}

}  // namespace issuer::server
