#include "server/session/login_checks.h"

namespace issuer::server {
const std::vector<FieldSpec>& SignUpFields() {
  static const std::vector<FieldSpec> fields = {
      {"name", FieldType::kString, true},         {"email", FieldType::kEmail, true},
      {"password", FieldType::kString, true, true}, {"image", FieldType::kString, false},
      {"callbackURL", FieldType::kString, false}, {"rememberMe", FieldType::kBoolean, false}};
  return fields;
}

const std::vector<FieldSpec>& SignInFields() {
  static const std::vector<FieldSpec> fields = {{"email", FieldType::kString, true},
                                                {"password", FieldType::kString, true},
                                                {"callbackURL", FieldType::kString, false},
                                                {"rememberMe", FieldType::kBoolean, false}};
  return fields;
}

std::optional<ApiError> CheckOrigins(const AuthContext& ctx, const HttpRequest& request,
                                     const Site& site, const nlohmann::json* body) {
  if (!ctx.config.origin_check_enabled()) return std::nullopt;
  if (auto error = CheckCookieOrigin(request, ctx.trusted, site.origin)) return error;
  if (body != nullptr) return CheckCallbackUrl(*body, ctx.trusted, site.origin);
  return std::nullopt;
}

std::optional<ApiError> CheckLoginRequest(const AuthContext& ctx, const HttpRequest& request,
                                          const Site& site, const Body& body, bool sign_up) {
  if (auto error = CheckOrigins(ctx, request, site, body ? &*body : nullptr)) return error;
  return CheckLoginFields(ctx, request, site, body, sign_up);
}

std::optional<ApiError> CheckLoginFields(const AuthContext& ctx, const HttpRequest& request,
                                         const Site& site, const Body& body, bool sign_up) {
  const auto& fields = sign_up ? SignUpFields() : SignInFields();
  if (auto error = ValidateFields(body, fields, /*record_schema=*/sign_up)) return error;
  if (!ctx.config.origin_check_enabled()) return std::nullopt;
  return CheckLoginCsrf(request, ctx.trusted, site.origin);
}

bool Remember(const nlohmann::json& body) {
  auto it = body.find("rememberMe");
  return it == body.end() || !it->is_boolean() || it->get<bool>();
}

std::optional<std::string> OptionalString(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace issuer::server
