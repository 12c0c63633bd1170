#include "storage/redis/session_codec.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace issuer::storage::redis {
namespace {

using ojson = nlohmann::ordered_json;

ojson Optional(const std::optional<std::string>& v) { return v ? ojson(*v) : ojson(nullptr); }

ojson ColumnJson(const ExtraColumn& c) {
  const ColumnValue& v = c.value;
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  if (const int64_t* i = std::get_if<int64_t>(&v)) {
    if (c.type == FieldType::kBoolean) return *i != 0;
    if (c.type == FieldType::kDate) return FormatIsoMs(*i);
    return *i;
  }
  if (const double* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

void AddExtra(const std::vector<ExtraColumn>& extra, ojson* out) {
  for (const ExtraColumn& c : extra) (*out)[c.name] = ColumnJson(c);
}

ColumnValue ValueOf(const ojson& j, FieldType type) {
  if (j.is_boolean()) return int64_t{j.get<bool>() ? 1 : 0};
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return TypedValue(j.get<std::string>(), type);
  return std::monostate{};
}

std::optional<int64_t> DateField(const ojson& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::nullopt;
  if (it->is_string()) return ParseIsoMs(it->get<std::string>());
  if (it->is_number()) return it->get<int64_t>();
  return std::nullopt;
}

std::optional<std::string> StringField(const ojson& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<ojson> Parse(std::string_view text) {
  ojson j = ojson::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

bool Known(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

std::vector<ExtraColumn> Extras(const ojson& obj, std::initializer_list<std::string_view> known,
                                const FieldTypes& types) {
  std::vector<ExtraColumn> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (Known(it.key(), known)) continue;
    const FieldType type = TypeOf(types, it.key());
    out.push_back({it.key(), ValueOf(it.value(), type), type});
  }
  return out;
}

std::optional<SessionRow> DecodeSession(const ojson& s, const FieldTypes& types) {
  SessionRow row;
  auto id = StringField(s, "id"), token = StringField(s, "token"),
       user_id = StringField(s, "userId");
  auto expires = DateField(s, "expiresAt");
  if (!id || !token || !user_id || !expires) return std::nullopt;
  row.id = *id;
  row.token = *token;
  row.user_id = *user_id;
  row.expires_at_ms = *expires;
  row.created_at_ms = DateField(s, "createdAt").value_or(0);
  row.updated_at_ms = DateField(s, "updatedAt").value_or(0);
  row.ip_address = StringField(s, "ipAddress");
  row.user_agent = StringField(s, "userAgent");
  row.extra = Extras(s, {"id", "token", "userId", "expiresAt", "createdAt", "updatedAt",
                         "ipAddress", "userAgent"}, types);
  return row;
}

std::optional<UserRow> DecodeUser(const ojson& u, const FieldTypes& types) {
  UserRow row;
  auto id = StringField(u, "id"), email = StringField(u, "email");
  if (!id || !email) return std::nullopt;
  row.id = *id;
  row.email = *email;
  row.name = StringField(u, "name").value_or("");
  auto verified = u.find("emailVerified");
  row.email_verified = verified != u.end() && verified->is_boolean() && verified->get<bool>();
  row.image = StringField(u, "image");
  row.created_at_ms = DateField(u, "createdAt").value_or(0);
  row.updated_at_ms = DateField(u, "updatedAt").value_or(0);
  row.extra = Extras(u, {"id", "name", "email", "emailVerified", "image", "createdAt",
                         "updatedAt"}, types);
  return row;
}

ojson SessionJson(const SessionRow& s, SessionLayout layout) {
  ojson out = ojson::object();
  if (layout == SessionLayout::kSecondaryOnly) {
    out["id"] = s.id;
    out["ipAddress"] = Optional(s.ip_address);
    out["userAgent"] = Optional(s.user_agent);
    out["expiresAt"] = FormatIsoMs(s.expires_at_ms);
    out["userId"] = s.user_id;
    out["token"] = s.token;
    out["createdAt"] = FormatIsoMs(s.created_at_ms);
    out["updatedAt"] = FormatIsoMs(s.updated_at_ms);
    AddExtra(s.extra, &out);
    return out;
  }
  out["expiresAt"] = FormatIsoMs(s.expires_at_ms);
  out["token"] = s.token;
  out["createdAt"] = FormatIsoMs(s.created_at_ms);
  out["updatedAt"] = FormatIsoMs(s.updated_at_ms);
  out["ipAddress"] = Optional(s.ip_address);
  out["userAgent"] = Optional(s.user_agent);
  out["userId"] = s.user_id;
  AddExtra(s.extra, &out);
  out["id"] = s.id;
  return out;
}

ojson UserJson(const UserRow& u) {
  ojson out = ojson::object();
  out["name"] = u.name;
  out["email"] = u.email;
  out["emailVerified"] = u.email_verified;
  out["image"] = Optional(u.image);
  out["createdAt"] = FormatIsoMs(u.created_at_ms);
  out["updatedAt"] = FormatIsoMs(u.updated_at_ms);
  AddExtra(u.extra, &out);
  out["id"] = u.id;
  return out;
}

std::string Dump(const ojson& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string EncodeSession(const SessionRow& session, SessionLayout layout) {
  return Dump(SessionJson(session, layout));
}

std::string EncodeUser(const UserRow& user) { return Dump(UserJson(user)); }

std::string EncodeSessionValue(const SessionRow& session, const UserRow& user,
                               SessionLayout layout) {
  ojson out = ojson::object();
  out["session"] = SessionJson(session, layout);
  out["user"] = UserJson(user);
  return Dump(out);
}

std::optional<SessionWithUser> DecodeSessionValue(std::string_view value,
                                                  const FieldTypes& session_types,
                                                  const FieldTypes& user_types) {
  auto j = Parse(value);
  if (!j) return std::nullopt;
  auto s = j->find("session");
  auto u = j->find("user");
  if (s == j->end() || u == j->end() || !s->is_object() || !u->is_object()) return std::nullopt;
  auto session = DecodeSession(*s, session_types);
  auto user = DecodeUser(*u, user_types);
  if (!session || !user) return std::nullopt;
  return SessionWithUser{std::move(*session), std::move(*user)};
}

namespace {

std::optional<std::string> ReplaceMember(std::string_view value, const char* name,
                                         const std::string& member_json) {
  auto j = Parse(value);
  auto member = Parse(member_json);
  if (!j || !member || !j->contains("session") || !j->contains("user")) return std::nullopt;
  (*j)[name] = std::move(*member);
  return Dump(*j);
}

}  // namespace

std::optional<std::string> ReplaceUser(std::string_view value, const std::string& user_json) {
  return ReplaceMember(value, "user", user_json);
}

std::optional<std::string> ReplaceSession(std::string_view value,
                                          const std::string& session_json) {
  return ReplaceMember(value, "session", session_json);
}

std::vector<std::string> LiveTokens(std::string_view list_json, int64_t now_ms) {
  std::vector<std::string> out;
  ojson j = ojson::parse(list_json.begin(), list_json.end(), nullptr, false);
  if (!j.is_array()) return out;
  for (const ojson& e : j) {
    if (!e.is_object()) continue;
    auto token = e.find("token");
    auto expires = e.find("expiresAt");
    if (token == e.end() || !token->is_string() || expires == e.end() || !expires->is_number()) {
      continue;
    }
    if (expires->get<int64_t>() > now_ms) out.push_back(token->get<std::string>());
  }
  return out;
}

std::optional<int64_t> SessionExpiry(std::string_view value) {
  auto j = Parse(value);
  if (!j) return std::nullopt;
  auto s = j->find("session");
  if (s == j->end() || !s->is_object()) return std::nullopt;
  return DateField(*s, "expiresAt");
}

std::string EncodeVerification(const VerificationRow& row, bool with_id) {
  ojson out = ojson::object();
  out["createdAt"] = FormatIsoMs(row.created_at_ms);
  out["updatedAt"] = FormatIsoMs(row.updated_at_ms);
  out["value"] = row.value;
  out["identifier"] = row.identifier;
  out["expiresAt"] = FormatIsoMs(row.expires_at_ms);
  if (with_id) out["id"] = row.id;
  return Dump(out);
}

std::optional<VerificationRow> DecodeVerification(std::string_view value) {
  auto j = Parse(value);
  if (!j) return std::nullopt;
  auto identifier = StringField(*j, "identifier"), v = StringField(*j, "value");
  auto expires = DateField(*j, "expiresAt");
  if (!identifier || !v || !expires) return std::nullopt;
  VerificationRow row;
  row.id = StringField(*j, "id").value_or("");
  row.identifier = *identifier;
  row.value = *v;
  row.expires_at_ms = *expires;
  row.created_at_ms = DateField(*j, "createdAt").value_or(0);
  row.updated_at_ms = DateField(*j, "updatedAt").value_or(0);
  return row;
}

}  // namespace issuer::storage::redis
