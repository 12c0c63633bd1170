#include "server/session/render.h"

#include <algorithm>

#include "common/time_format.h"

namespace issuer::server {
namespace {

OrderedJson ValueJson(const storage::ColumnValue& value,
                      storage::FieldType type = storage::FieldType::kAuto) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    if (type == storage::FieldType::kBoolean) return *i != 0;
    if (type == storage::FieldType::kDate) return FormatIsoMs(*i);
    return *i;
  }
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return nullptr;
}

OrderedJson OptionalText(const std::optional<std::string>& text) {
  return text ? OrderedJson(*text) : OrderedJson(nullptr);
}

void AddExtra(const std::vector<storage::ExtraColumn>& extra, OrderedJson* out) {
  for (const auto& column : extra) (*out)[column.name] = ValueJson(column.value, column.type);
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

OrderedJson RowJson(const storage::Row& row, const std::vector<std::string>& fields) {
  OrderedJson out = OrderedJson::object();
  auto put = [&](const std::string& name) {
    const auto it = std::find_if(row.begin(), row.end(),
                                 [&](const storage::ExtraColumn& c) { return c.name == name; });
    out[name] = it == row.end() ? OrderedJson(nullptr) : ValueJson(it->value, it->type);
  };
  for (const std::string& name : fields) put(name);
  put("id");
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

namespace {

// `text` as a JSON string, exactly as Dump writes it: printable ASCII other than '"' and '\'
// is copied as it is; anything else (escapes, UTF-8, invalid bytes replaced) goes through the
// library, so the bytes never differ.
void AppendString(std::string_view text, std::string* out) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      *out += Dump(OrderedJson(std::string(text)));
      return;
    }
  }
  *out += '"';
  out->append(text);
  *out += '"';
}

// `,"name":` (no comma after the opening brace).
void AppendKey(std::string_view name, std::string* out) {
  if (out->size() > 1) *out += ',';
  AppendString(name, out);
  *out += ':';
}

void AppendValue(const storage::ExtraColumn& column, std::string* out) {
  if (const auto* s = std::get_if<std::string>(&column.value)) return AppendString(*s, out);
  const auto* i = std::get_if<int64_t>(&column.value);
  if (i && column.type == storage::FieldType::kAuto) {
    *out += std::to_string(*i);
  } else {
    *out += Dump(ValueJson(column.value, column.type));
  }
}

// True when JwtClaims would add every key once, in the default order: no shaping, no extra
// claims, and no app column named like a key of the default payload.
bool DefaultPayload(const storage::UserRow& user, const ClaimShape& shape,
                    const OrderedJson& extra) {
  static const std::vector<std::string> kTaken = {"iat",       "name",      "email", "emailVerified",
                                                  "image",     "createdAt", "updatedAt", "id",
                                                  "sub",       "exp",       "iss",   "aud"};
  if (!shape.include.empty() || !shape.exclude.empty() || !shape.from_user.empty() ||
      !shape.static_claims.empty() || !extra.empty()) {
    return false;
  }
  return std::none_of(user.extra.begin(), user.extra.end(),
                      [](const storage::ExtraColumn& c) { return Listed(kTaken, c.name); });
}

}  // namespace

std::string JwtClaimsJson(const storage::UserRow& user, int64_t now_ms, int64_t ttl_s,
                          const std::string& issuer, const OrderedJson& audience,
                          const ClaimShape& shape, const OrderedJson& extra) {
  if (!DefaultPayload(user, shape, extra)) {
    return Dump(JwtClaims(user, now_ms, ttl_s, issuer, audience, shape, extra));
  }
  const int64_t iat = (now_ms >= 0 ? now_ms : now_ms - 999) / 1000;
  std::string out;
  out.reserve(384);
  out += "{\"iat\":" + std::to_string(iat);
  AppendKey("name", &out);
  AppendString(user.name, &out);
  AppendKey("email", &out);
  AppendString(user.email, &out);
  out += user.email_verified ? ",\"emailVerified\":true" : ",\"emailVerified\":false";
  AppendKey("image", &out);
  if (user.image) {
    AppendString(*user.image, &out);
  } else {
    out += "null";
  }
  out += ",\"createdAt\":\"" + FormatIsoMs(user.created_at_ms) + "\",\"updatedAt\":\"" +
         FormatIsoMs(user.updated_at_ms) + '"';
  for (const auto& column : user.extra) {
    AppendKey(column.name, &out);
    AppendValue(column, &out);
  }
  AppendKey("id", &out);
  AppendString(user.id, &out);
  AppendKey("sub", &out);
  AppendString(user.id, &out);
  out += ",\"exp\":" + std::to_string(iat + ttl_s);
  AppendKey("iss", &out);
  AppendString(issuer, &out);
  AppendKey("aud", &out);
  if (audience.is_string()) {
    AppendString(audience.get_ref<const std::string&>(), &out);
  } else {
    out += Dump(audience);
  }
  out += '}';
  return out;
}

std::string Dump(const OrderedJson& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace issuer::server
