#include "server/plugins/username/options.h"

#include <functional>
#include <map>

#include "common/text.h"
#include "server/auth/password.h"

namespace issuer::server::username {
namespace {

using nlohmann::json;

Error Invalid(const std::string& option, const std::string& why) {
  return Error{Errc::kInvalidArgument, option + ": " + why};
}

// minUsernameLength / maxUsernameLength: Better Auth reads them with `||`, so 0 keeps its default.
Status ReadLength(const json& value, const std::string& option, int64_t* out) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0) {
    return Invalid(option, "expected a whole number (0 or more)");
  }
  if (value.get<int64_t>() > 0) *out = value.get<int64_t>();
  return Status::Ok();
}

Status ReadBool(const json& value, const std::string& option, bool* out) {
  if (!value.is_boolean()) return Invalid(option, "expected true or false");
  *out = value.get<bool>();
  return Status::Ok();
}

// validationOrder: {username, displayUsername}, each "pre-normalization" (the default) or
// "post-normalization". displayUsername's order matters only to a displayUsernameValidator,
// which a JSON file cannot give: it is accepted and has no effect.
Status ReadValidationOrder(const json& value, UsernameOptions* out) {
  if (!value.is_object()) return Invalid("validationOrder", "expected an object");
  for (const auto& [key, order] : value.items()) {
    if (key != "username" && key != "displayUsername") {
      return Invalid("validationOrder." + key, "unknown option");
    }
    if (!order.is_string() || (order != "pre-normalization" && order != "post-normalization")) {
      return Invalid("validationOrder." + key,
                     "expected \"pre-normalization\" or \"post-normalization\"");
    }
    if (key == "username") out->validate_normalized = order == "post-normalization";
  }
  return Status::Ok();
}

// usernameNormalization: only false (keep names as given) can be written in JSON.
Status ReadNormalization(const json& value, UsernameOptions* out) {
  if (!value.is_boolean() || value.get<bool>()) {
    return Invalid("usernameNormalization", "expected false (a function cannot be configured)");
  }
  out->lowercase = false;
  return Status::Ok();
}

using Reader = std::function<Status(const json&, UsernameOptions*)>;

const std::map<std::string, Reader>& Readers() {
  static const std::map<std::string, Reader> readers = {
      {"minUsernameLength",
       [](const json& v, UsernameOptions* o) {
         return ReadLength(v, "minUsernameLength", &o->min_length);
       }},
      {"maxUsernameLength",
       [](const json& v, UsernameOptions* o) {
         return ReadLength(v, "maxUsernameLength", &o->max_length);
       }},
      {"displayUsername",
       [](const json& v, UsernameOptions* o) {
         return ReadBool(v, "displayUsername", &o->display_username);
       }},
      {"immutableUsername",
       [](const json& v, UsernameOptions* o) {
         return ReadBool(v, "immutableUsername", &o->immutable);
       }},
      {"usernameNormalization", &ReadNormalization},
      {"validationOrder", &ReadValidationOrder},
  };
  return readers;
}

bool IsUsernameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

}  // namespace

Result<UsernameOptions> ParseUsernameOptions(const json& options) {
  UsernameOptions out;
  if (options.is_null()) return out;
  if (!options.is_object()) return Invalid("plugins.username", "expected an object");
  for (const auto& [key, value] : options.items()) {
    auto reader = Readers().find(key);
    if (reader == Readers().end()) return Invalid(key, "unknown option");
    if (Status st = reader->second(value, &out); !st.ok()) return st.error();
  }
  return out;
}

std::string Normalize(const UsernameOptions& options, const std::string& name) {
  return options.lowercase ? Lowercase(name) : name;
}

std::optional<std::string> ValidationError(const UsernameOptions& options, const std::string& name) {
  const std::string checked = options.validate_normalized ? Normalize(options, name) : name;
  const auto length = static_cast<int64_t>(auth::Utf16Length(checked));
  if (length < options.min_length) return "USERNAME_TOO_SHORT";
  if (length > options.max_length) return "USERNAME_TOO_LONG";
  // defaultUsernameValidator: /^[a-zA-Z0-9_.]+$/
  for (char c : checked) {
    if (!IsUsernameChar(c)) return "INVALID_USERNAME";
  }
  if (checked.empty()) return "INVALID_USERNAME";
  return std::nullopt;
}

std::string MessageOf(const std::string& code) {
  static const std::map<std::string, std::string> messages = {
      {"INVALID_USERNAME_OR_PASSWORD", "Invalid username or password"},
      {"EMAIL_NOT_VERIFIED", "Email not verified"},
      {"USERNAME_IS_ALREADY_TAKEN", "Username is already taken. Please try another."},
      {"USERNAME_TOO_SHORT", "Username is too short"},
      {"USERNAME_TOO_LONG", "Username is too long"},
      {"INVALID_USERNAME", "Username is invalid"},
      {"USERNAME_IS_IMMUTABLE", "Username cannot be updated"},
  };
  auto it = messages.find(code);
  return it == messages.end() ? code : it->second;
}

}  // namespace issuer::server::username
