#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace issuer::server::username {

// Better Auth's username() options that can be written in JSON (dist/plugins/username/
// index.d.mts). The validators and normalisers that are functions cannot: Better Auth's
// defaults apply (letters, digits, "_" and "."; lowercase).
struct UsernameOptions {
  int64_t min_length = 3;   // minUsernameLength (0 in the file: Better Auth's 3)
  int64_t max_length = 30;  // maxUsernameLength (0 in the file: Better Auth's 30)
  bool lowercase = true;    // usernameNormalization: false keeps the name as given
  bool display_username = true;  // displayUsername: false drops the field
  bool immutable = false;        // immutableUsername
  bool validate_normalized = false;  // validationOrder.username: "post-normalization"
};

// The options from plugins.username; kInvalidArgument naming the option for an unknown one or a
// wrong type.
Result<UsernameOptions> ParseUsernameOptions(const nlohmann::json& options);

// Better Auth's normalizer: lowercase unless usernameNormalization is false.
std::string Normalize(const UsernameOptions& options, const std::string& name);

// Better Auth's validateUsernameValue: nullopt when `name` may be a username, else the code
// (USERNAME_TOO_SHORT, USERNAME_TOO_LONG, INVALID_USERNAME). Lengths count UTF-16 units, as
// JavaScript's length does.
std::optional<std::string> ValidationError(const UsernameOptions& options, const std::string& name);

// The message of one of the plugin's error codes.
std::string MessageOf(const std::string& code);

}  // namespace issuer::server::username
