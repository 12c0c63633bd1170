#include "server/session/render.h"

#include <algorithm>

#include "common/time_format.h"

namespace issuer::server {
namespace {

OrderedJson ValueJson(const storage::ColumnValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return nullptr;
}

OrderedJson OptionalText(const std::optional<std::string>& text) {
  return text ? OrderedJson(*text) : OrderedJson(nullptr);
}

void AddExtra(const std::vector<storage::ExtraColumn>& extra, OrderedJson* out) {
  for (const auto& column : extra) (*out)[column.name] = ValueJson(column.value);
}

}  // namespace

OrderedJson UserJson(const storage::UserRow& user) {
  OrderedJson out = {{"name", user.name},
                     {"email", user.email},
                     {"emailVerified", user.email_verified},
                     {"image", OptionalText(user.image)},
                     {"createdAt", FormatIsoMs(user.created_at_ms)},
                     {"updatedAt", FormatIsoMs(user.updated_at_ms)}};
  AddExtra(user.extra, &out);
  out["id"] = user.id;
  return out;
}

OrderedJson SessionJson(const storage::SessionRow& session) {
  OrderedJson out = {{"expiresAt", FormatIsoMs(session.expires_at_ms)},
                     {"token", session.token},
                     {"createdAt", FormatIsoMs(session.created_at_ms)},
                     {"updatedAt", FormatIsoMs(session.updated_at_ms)},
                     {"ipAddress", OptionalText(session.ip_address)},
                     {"userAgent", OptionalText(session.user_agent)},
                     {"userId", session.user_id}};
  AddExtra(session.extra, &out);
  out["id"] = session.id;
  return out;
}

namespace {

bool Listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

OrderedJson JwtClaims(const storage::UserRow& user, int64_t now_ms, int64_t ttl_s,
                      const std::string& issuer, const OrderedJson& audience,
                      const ClaimShape& shape, const OrderedJson& extra) {
  // JWT NumericDate: whole seconds, floored.
  const int64_t iat = (now_ms >= 0 ? now_ms : now_ms - 999) / 1000;
  OrderedJson claims = {{"iat", iat}};
  const OrderedJson fields = UserJson(user);
  for (auto& [name, value] : fields.items()) {
    if (!shape.include.empty() && !Listed(shape.include, name)) continue;
    if (!Listed(shape.exclude, name)) claims[name] = value;
  }
  for (const auto& [claim, field] : shape.from_user) {
    if (fields.contains(field)) claims[claim] = fields[field];
  }
  for (auto& [name, value] : shape.static_claims.items()) claims[name] = value;
  for (auto& [name, value] : extra.items()) claims[name] = value;
  claims["sub"] = user.id;
  if (!claims.contains("exp")) claims["exp"] = iat + ttl_s;
  if (!claims.contains("iss")) claims["iss"] = issuer;
  if (!claims.contains("aud")) claims["aud"] = audience;
  return claims;
}

std::string Dump(const OrderedJson& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace issuer::server
