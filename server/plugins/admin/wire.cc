#include "server/plugins/admin/wire.h"

#include <cmath>
#include <cstdlib>
#include <map>

#include "common/text.h"

namespace issuer::server::admin {
namespace {

using nlohmann::json;

const std::map<std::string, std::string>& AdminMessages() {
  static const std::map<std::string, std::string> messages = {
      {"YOU_CANNOT_BAN_YOURSELF", "You cannot ban yourself"},
      {"YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE", "You are not allowed to change users role"},
      {"YOU_ARE_NOT_ALLOWED_TO_LIST_USERS", "You are not allowed to list users"},
      {"YOU_ARE_NOT_ALLOWED_TO_BAN_USERS", "You are not allowed to ban users"},
      {"YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS", "You are not allowed to impersonate users"},
      {"YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
       "You are not allowed to revoke users sessions"},
      {"YOU_CANNOT_IMPERSONATE_ADMINS", "You cannot impersonate admins"},
      {"FAILED_TO_CREATE_USER", "Failed to create user"},
  };
  return messages;
}

// zod's name for what it received.
std::string Received(const json* value) {
  if (value == nullptr) return "undefined";
  switch (value->type()) {
    case json::value_t::null: return "null";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    default: return "number";
  }
}

bool IsRole(const json& value) {
  if (value.is_string()) return true;
  if (!value.is_array()) return false;
  for (const json& item : value) {
    if (!item.is_string()) return false;
  }
  return true;
}

// The issue of one field ("" when valid), without its "[body.name] " prefix.
std::string FieldIssue(const json& body, const ZodField& field) {
  auto it = body.find(field.name);
  const json* value = it == body.end() ? nullptr : &*it;
  switch (field.type) {
    case Zod::kCoercedString:
      return value ? "" : "Invalid input: expected nonoptional, received undefined";
    case Zod::kOptionalString:
      return !value || value->is_string() ? ""
                                          : "Invalid input: expected string, received " +
                                                Received(value);
    case Zod::kOptionalNumber:
      return !value || value->is_number() ? ""
                                          : "Invalid input: expected number, received " +
                                                Received(value);
    case Zod::kRole:
      return value && IsRole(*value) ? "" : "Invalid input";
  }
  return "";
}

// JS Number#toString for the numbers JSON carries (integers exactly; others shortest form).
std::string JsNumberText(const json& value) {
  if (value.is_number_integer()) return value.dump();
  const double d = value.get<double>();
  if (d == std::floor(d) && std::fabs(d) < 1e21) return std::to_string(static_cast<long long>(d));
  return value.dump();
}

}  // namespace

ApiError AdminError(int status, const std::string& code) {
  auto it = AdminMessages().find(code);
  return ApiError::Custom(status, code, it == AdminMessages().end() ? code : it->second);
}

ApiError UserNotFound() { return ApiError::Custom(404, "USER_NOT_FOUND", "User not found"); }

ApiError StatusOnly(int status, const std::string& message) {
  return ApiError::Custom(status, "", message);
}

std::optional<ApiError> ValidateBody(const Body& body, const std::vector<ZodField>& fields) {
  if (!body || !body->is_object()) {
    return ApiError{ApiCode::kValidationError,
                    "[body] Invalid input: expected object, received " +
                        Received(body ? &*body : nullptr)};
  }
  std::string message;
  for (const ZodField& field : fields) {
    const std::string issue = FieldIssue(*body, field);
    if (issue.empty()) continue;
    message += (message.empty() ? "" : "; ") + std::string("[body.") + field.name + "] " + issue;
  }
  if (message.empty()) return std::nullopt;
  return ApiError{ApiCode::kValidationError, message};
}

std::string JsString(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::string: return value.get<std::string>();
    case json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case json::value_t::object: return "[object Object]";
    case json::value_t::array: {
      std::string out;
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ',';
        if (!value[i].is_null()) out += JsString(value[i]);  // [null].join() is ""
      }
      return out;
    }
    default: return JsNumberText(value);
  }
}

std::optional<double> JsNumber(const std::string& text) {
  const std::string trimmed = Trim(text);
  if (trimmed.empty()) return 0.0;
  if (trimmed.size() > 2 && trimmed[0] == '0' && (trimmed[1] == 'x' || trimmed[1] == 'X')) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(trimmed.c_str() + 2, &end, 16);
    if (*end != '\0') return std::nullopt;
    return static_cast<double>(n);
  }
  if (trimmed == "Infinity" || trimmed == "+Infinity") return INFINITY;
  if (trimmed == "-Infinity") return -INFINITY;
  for (char c : trimmed) {  // strtod also reads "inf", "nan" and hex floats, which JS does not
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != 'E' &&
        c != '+' && c != '-') {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  const double d = std::strtod(trimmed.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return d;
}

std::string EnumIssue(const HttpRequest& request, const std::string& name,
                      const std::vector<std::string>& allowed) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return "";
  std::string options;
  for (const std::string& value : allowed) {
    if (value == it->second) return "";
    options += (options.empty() ? "" : "|") + ("\"" + value + "\"");
  }
  return "[query." + name + "] Invalid option: expected one of " + options;
}

}  // namespace issuer::server::admin
