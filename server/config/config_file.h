#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/config/config.h"

namespace issuer::server {

// What a config file sets that is settled later with the environment and the flags.
struct FileSettings {
  std::optional<std::string> base_url;   // baseURL
  std::optional<std::string> base_path;  // basePath
  std::optional<std::string> secret;     // secret
  std::vector<std::string> trusted_origins;  // trustedOrigins (added to the environment's)
};

// Reads a JSON config file with Better Auth's option names: baseURL, basePath, trustedOrigins,
// secret, session.{expiresIn, updateAge}, emailAndPassword.{enabled, minPasswordLength,
// maxPasswordLength}, jwt.{issuer, audience, expirationTime}, jwks.{jwksPath,
// rotationInterval, gracePeriod}, rateLimit.* and advanced.ipAddress.* (limits_config.h); and
// ba-issuer's claims.{include, exclude, static, fromUser, fromSession, from<Source>}
// (from<Source>: a ClaimPick of source "<source>", e.g. fromMember; see ClaimShape).
// Values go into `config` (or `settings`, for those settled later). kInvalidArgument naming
// the key: "session.expiresIn: expected whole seconds", "jwt.expiresIn: unknown key".
Status ApplyConfigFile(const std::string& text, FileSettings* settings, Config* config);

// `v` as an array of strings; kInvalidArgument naming `key` otherwise.
Result<std::vector<std::string>> ConfigStrings(const nlohmann::json& v, const std::string& key);

}  // namespace issuer::server
