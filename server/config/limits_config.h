#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/config/config.h"

namespace issuer::server {

// The config file's rate-limit and client-address keys, with Better Auth's names:
//   rateLimit.{enabled, window, max, storage, customRules}
//   advanced.ipAddress.{ipAddressHeaders, ipv6Subnet, disableIpTracking, trustedProxies}

// Whether `key` is a section holding such keys ("rateLimit", "advanced", "advanced.ipAddress").
bool IsLimitSection(const std::string& key);

// Sets `key` (dotted, "rateLimit.max") from `value` into `config`: nullopt when `key` is none
// of the keys above, else Ok or kInvalidArgument naming the key.
std::optional<Status> ApplyLimitKey(const std::string& key, const nlohmann::json& value,
                                    Config* config);

// Puts rateLimit.customRules in the order the file `text` lists them (Better Auth takes the
// first that matches; the parsed JSON object has lost the order).
void OrderCustomRules(std::string_view text, Config* config);

// A list of trusted proxies ("127.0.0.1/32", "10.0.0.0/8", "::1") added to `config`;
// kInvalidArgument naming `what` and the entry that is no address or network.
Status AddTrustedProxies(const std::vector<std::string>& entries, const std::string& what,
                         Config* config);

// One line each for start-up: settings that quietly do less than they seem to (headers that no
// trusted proxy sets, so none is read; rate limits with IP tracking off, so none applies).
void AddLimitWarnings(const Config& config, std::vector<std::string>* warnings);

}  // namespace issuer::server
