#include "server/http/request_body.h"

#include <cctype>

#include "server/auth/email.h"
#include "server/auth/form.h"
#include "common/text.h"

namespace issuer::server {
namespace {

using nlohmann::json;

std::string MediaType(const std::string& content_type) {
  return Lowercase(TrimView(std::string_view(content_type).substr(0, content_type.find(';'))));
}

std::variant<Body, ApiError> ParseJson(const std::string& text) {
  if (text.empty()) return Body();
  try {
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return ApiError{ApiCode::kInvalidJson, ""};
    return Body(std::move(parsed));
  } catch (const json::exception&) {  // numbers out of range (1e400) throw even so
    return ApiError{ApiCode::kInvalidJson, ""};
  }
}

// zod's name for what it received.
const char* TypeName(const Body& value) {
  if (!value) return "undefined";
  switch (value->type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    default:
      return "number";
  }
}

bool HasType(const json& value, FieldType type) {
  return type == FieldType::kBoolean ? value.is_boolean() : value.is_string();
}

// The zod issue for one field, or "" when it is valid.
std::string FieldIssue(const json& body, const FieldSpec& field) {
  auto it = body.find(field.name);
  const bool missing = it == body.end();
  if (missing && !field.required) return "";
  const std::string prefix = std::string("[body.") + field.name + "] ";
  if (missing || !HasType(*it, field.type)) {
    const Body received = missing ? Body() : Body(*it);
    return prefix + "Invalid input: expected " +
           (field.type == FieldType::kBoolean ? "boolean" : "string") + ", received " +
           TypeName(received);
  }
  if (field.type == FieldType::kEmail && !auth::IsValidEmail(it->get_ref<const std::string&>())) {
    return prefix + "Invalid email address";
  }
  if (field.non_empty && it->get_ref<const std::string&>().empty()) {
    return prefix + "Too small: expected string to have >=1 characters";
  }
  return "";
}

}  // namespace

ApiError UnsupportedMediaType(const std::string& content_type, bool allow_form) {
  return {ApiCode::kUnsupportedMediaType,
          "Content-Type \"" + content_type + "\" is not allowed. Allowed types: " +
              (allow_form ? "application/x-www-form-urlencoded, application/json"
                          : "application/json")};
}

bool AcceptedMediaType(const std::string& content_type, bool allow_form) {
  const std::string media = MediaType(content_type);
  return media == "application/json" ||
         (allow_form && media == "application/x-www-form-urlencoded");
}

std::variant<Body, ApiError> ParseBody(const HttpRequest& request, bool allow_form) {
  const std::optional<std::string> content_type = request.Header("content-type");
  if (!content_type) return Body();
  if (!AcceptedMediaType(*content_type, allow_form)) {
    return UnsupportedMediaType(*content_type, allow_form);
  }
  if (MediaType(*content_type) == "application/json") return ParseJson(request.body);
  auto pairs = auth::ParseFormUrlEncoded(request.body);
  if (!pairs) return ApiError{ApiCode::kInvalidJson, ""};
  json object = json::object();
  for (auto& [name, value] : *pairs) object[name] = std::move(value);  // last one wins
  return Body(std::move(object));
}

bool Truthy(const json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) return !v.get<std::string>().empty();
  return true;
}

std::optional<ApiError> ValidateRecord(const Body& body) {
  if (body && body->is_object()) return std::nullopt;
  return ApiError{ApiCode::kValidationError,
                  std::string("[body] Invalid input: expected record, received ") + TypeName(body)};
}

std::optional<ApiError> ValidateFields(const Body& body, const std::vector<FieldSpec>& fields,
                                       bool record_schema) {
  if (!body || !body->is_object()) {
    const std::string received = TypeName(body);
    std::string message = "[body] Invalid input: expected object, received " + received;
    if (record_schema) message += "; [body] Invalid input: expected record, received " + received;
    return ApiError{ApiCode::kValidationError, message};
  }
  std::string message;
  for (const FieldSpec& field : fields) {
    const std::string issue = FieldIssue(*body, field);
    if (issue.empty()) continue;
    message += (message.empty() ? "" : "; ") + issue;
  }
  if (message.empty()) return std::nullopt;
  return ApiError{ApiCode::kValidationError, message};
}

}  // namespace issuer::server
