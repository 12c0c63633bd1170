#include "storage/rows.h"

#include <cstdlib>

#include "common/time_format.h"

namespace issuer::storage {

const ColumnValue* FindColumn(const Row& row, std::string_view name) {
  for (const ExtraColumn& column : row) {
    if (column.name == name) return &column.value;
  }
  return nullptr;
}

namespace {

const std::string* TextOf(const ExtraColumn& column) {
  return std::get_if<std::string>(&column.value);
}

int64_t MillisOf(const ExtraColumn& column) {
  const auto* number = std::get_if<int64_t>(&column.value);
  return number ? *number : 0;
}

std::optional<std::string> OptionalTextOf(const ExtraColumn& column) {
  const std::string* text = TextOf(column);
  return text ? std::optional<std::string>(*text) : std::nullopt;
}

}  // namespace

UserRow UserFromRow(Row row) {
  UserRow user;
  for (ExtraColumn& column : row) {
    const std::string* text = TextOf(column);
    if (column.name == "id" && text) user.id = *text;
    else if (column.name == "name" && text) user.name = *text;
    else if (column.name == "email" && text) user.email = *text;
    else if (column.name == "emailVerified") user.email_verified = MillisOf(column) != 0;
    else if (column.name == "image") user.image = OptionalTextOf(column);
    else if (column.name == "createdAt") user.created_at_ms = MillisOf(column);
    else if (column.name == "updatedAt") user.updated_at_ms = MillisOf(column);
    else user.extra.push_back(std::move(column));
  }
  return user;
}

SessionRow SessionFromRow(Row row) {
  SessionRow session;
  for (ExtraColumn& column : row) {
    const std::string* text = TextOf(column);
    if (column.name == "id" && text) session.id = *text;
    else if (column.name == "token" && text) session.token = *text;
    else if (column.name == "userId" && text) session.user_id = *text;
    else if (column.name == "expiresAt") session.expires_at_ms = MillisOf(column);
    else if (column.name == "createdAt") session.created_at_ms = MillisOf(column);
    else if (column.name == "updatedAt") session.updated_at_ms = MillisOf(column);
    else if (column.name == "ipAddress") session.ip_address = OptionalTextOf(column);
    else if (column.name == "userAgent") session.user_agent = OptionalTextOf(column);
    else session.extra.push_back(std::move(column));
  }
  return session;
}

Row WithDefaults(const TableDecl& table, Row row) {
  for (const FieldDecl& field : table.fields) {
    if (std::holds_alternative<std::monostate>(field.default_value)) continue;
    if (FindColumn(row, field.name) != nullptr) continue;
    row.push_back(ExtraColumn{field.name, field.default_value, field.type});
  }
  return row;
}

namespace {

ColumnValue AsBoolean(const ColumnValue& raw) {
  if (const auto* i = std::get_if<int64_t>(&raw)) return int64_t{*i != 0};
  if (const auto* d = std::get_if<double>(&raw)) return int64_t{*d != 0};
  if (const auto* s = std::get_if<std::string>(&raw)) {
    return int64_t{*s == "true" || *s == "t" || *s == "1"};
  }
  return raw;
}

ColumnValue AsDate(const ColumnValue& raw) {
  if (const auto* s = std::get_if<std::string>(&raw)) {
    if (auto ms = ParseIsoMs(*s)) return *ms;
    return std::monostate();  // not a date: read as none, never as a wrong instant
  }
  if (const auto* d = std::get_if<double>(&raw)) return static_cast<int64_t>(*d);
  return raw;
}

ColumnValue AsNumber(const ColumnValue& raw) {
  if (const auto* s = std::get_if<std::string>(&raw)) {
    char* end = nullptr;
    const double d = std::strtod(s->c_str(), &end);
    if (end == s->c_str() || *end != '\0') return std::monostate();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
    return d;
  }
  return raw;
}

ColumnValue AsString(const ColumnValue& raw) {
  if (const auto* i = std::get_if<int64_t>(&raw)) return std::to_string(*i);
  return raw;
}

}  // namespace

ColumnValue TypedValue(ColumnValue raw, FieldType type) {
  switch (type) {
    case FieldType::kBoolean:
      return AsBoolean(raw);
    case FieldType::kDate:
      return AsDate(raw);
    case FieldType::kNumber:
      return AsNumber(raw);
    case FieldType::kString:
      return AsString(raw);
    case FieldType::kAuto:
      break;
  }
  return raw;
}

FieldType TypeOf(const FieldTypes& types, std::string_view name) {
  for (const auto& [field, type] : types) {
    if (field == name) return type;
  }
  return FieldType::kAuto;
}

const FieldTypes& CoreTypes(std::string_view table) {
  using T = FieldType;
  static const FieldTypes kUser = {{"id", T::kString},           {"name", T::kString},
                                   {"email", T::kString},        {"emailVerified", T::kBoolean},
                                   {"image", T::kString},        {"createdAt", T::kDate},
                                   {"updatedAt", T::kDate}};
  static const FieldTypes kSession = {{"id", T::kString},        {"expiresAt", T::kDate},
                                      {"token", T::kString},     {"createdAt", T::kDate},
                                      {"updatedAt", T::kDate},   {"ipAddress", T::kString},
                                      {"userAgent", T::kString}, {"userId", T::kString}};
  static const FieldTypes kAccount = {
      {"id", T::kString},           {"accountId", T::kString},
      {"providerId", T::kString},   {"userId", T::kString},
      {"accessToken", T::kString},  {"refreshToken", T::kString},
      {"idToken", T::kString},      {"accessTokenExpiresAt", T::kDate},
      {"refreshTokenExpiresAt", T::kDate}, {"scope", T::kString},
      {"password", T::kString},     {"createdAt", T::kDate},
      {"updatedAt", T::kDate}};
  static const FieldTypes kVerification = {{"id", T::kString},        {"identifier", T::kString},
                                           {"value", T::kString},     {"expiresAt", T::kDate},
                                           {"createdAt", T::kDate},   {"updatedAt", T::kDate}};
  static const FieldTypes kNone;
  if (table == "user") return kUser;
  if (table == "session") return kSession;
  if (table == "account") return kAccount;
  if (table == "verification") return kVerification;
  return kNone;
}

void ApplyTypes(const FieldTypes& types, std::vector<ExtraColumn>* columns) {
  if (types.empty()) return;
  for (ExtraColumn& column : *columns) {
    column.type = TypeOf(types, column.name);
    if (column.type != FieldType::kAuto) {
      column.value = TypedValue(std::move(column.value), column.type);
    }
  }
}

}  // namespace issuer::storage
