// Better Auth's admin plugin: its schema, its database hooks (user.create.before,
// session.create.before) and its routes.
#include "server/plugins/admin/admin.h"

#include <algorithm>
#include <iterator>

#include "common/time_format.h"
#include "server/http/request_body.h"
#include "server/plugins/admin/options.h"
#include "server/plugins/admin/routes.h"

namespace issuer::server {
namespace admin {
namespace {

using nlohmann::json;
using storage::ColumnValue;
using storage::FieldType;

// The fields of dist/plugins/admin/schema.mjs, all `input: false`, in its order.
constexpr const char* kUserFields[] = {"role", "banned", "banReason", "banExpires"};

ApiError FieldNotAllowed(const std::string& field) {
  return ApiError::Custom(400, "FIELD_NOT_ALLOWED", field + " is not allowed to be set");
}

// parseInputData for the plugin's fields: a truthy value is refused; on create, `banned` (it
// has a default) is replaced by false instead.
std::optional<ApiError> RefuseInput(const json& body, bool create) {
  if (!body.is_object()) return std::nullopt;
  for (const char* field : kUserFields) {
    auto it = body.find(field);
    if (it == body.end() || (create && std::string_view(field) == "banned")) continue;
    if (Truthy(*it)) return FieldNotAllowed(field);
  }
  return std::nullopt;
}

const storage::ExtraColumn* FindExtra(const storage::UserRow* user, std::string_view name) {
  for (const auto& column : user->extra) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

ApiError BadSeedField(const std::string& field, const std::string& expected) {
  return ApiError{ApiCode::kValidationError, field + ": expected " + expected};
}

// A fixture user's admin fields (test API, --seed) made Better Auth's types: role and
// banReason text, banned a boolean, banExpires an ISO date or Unix milliseconds.
std::optional<ApiError> TypeSeedFields(storage::UserRow* user) {
  for (auto& column : user->extra) {
    const bool none = std::holds_alternative<std::monostate>(column.value);
    const auto* number = std::get_if<int64_t>(&column.value);
    const auto* text = std::get_if<std::string>(&column.value);
    if (column.name == "role" || column.name == "banReason") {
      if (!none && !text) return BadSeedField(column.name, "a string");
      column.type = FieldType::kString;
    } else if (column.name == "banned") {
      if (!none && !(number && (*number == 0 || *number == 1))) {
        return BadSeedField("banned", "true or false");
      }
      column.type = FieldType::kBoolean;
    } else if (column.name == "banExpires") {
      if (text) {
        auto ms = ParseIsoMs(*text);
        if (!ms) return BadSeedField("banExpires", "an ISO date or Unix milliseconds");
        column.value = *ms;
      } else if (!none && !number) {
        return BadSeedField("banExpires", "an ISO date or Unix milliseconds");
      }
      column.type = FieldType::kDate;
    }
  }
  return std::nullopt;
}

// banned = true and no banExpires in the past (Better Auth lifts such a ban when met).
struct BanState {
  bool banned = false;
  bool expired = false;
};
BanState BanOf(const storage::UserRow& user, int64_t now_ms) {
  BanState state;
  if (const ColumnValue* banned = storage::FindColumn(user.extra, "banned")) {
    const ColumnValue typed = storage::TypedValue(*banned, FieldType::kBoolean);
    state.banned = std::holds_alternative<int64_t>(typed) && std::get<int64_t>(typed) != 0;
  }
  if (const ColumnValue* expires = storage::FindColumn(user.extra, "banExpires")) {
    const ColumnValue typed = storage::TypedValue(*expires, FieldType::kDate);
    state.expired = std::holds_alternative<int64_t>(typed) && std::get<int64_t>(typed) < now_ms;
  }
  return state;
}

storage::FieldDecl Field(const char* name, FieldType type) {
  storage::FieldDecl field;
  field.name = name;
  field.type = type;
  return field;
}

class AdminPlugin : public Plugin {
 public:
  explicit AdminPlugin(AdminOptions options) : options_(std::move(options)) {}

  std::string_view id() const override { return "admin"; }

  std::vector<storage::TableDecl> Schema() const override {
    storage::FieldDecl banned = Field("banned", FieldType::kBoolean);
    banned.default_value = int64_t{0};
    return {{"user",
             {Field("role", FieldType::kString), banned, Field("banReason", FieldType::kString),
              Field("banExpires", FieldType::kDate)}},
            {"session", {Field("impersonatedBy", FieldType::kString)}}};
  }

  std::vector<Route> Routes(AuthContext& ctx) override;

  // user.create.before: {role: defaultRole, ...user}; sign-up's parseInputData first.
  std::optional<ApiError> BeforeUserCreate(AuthContext& /*ctx*/, const json* body,
                                           storage::UserRow* user) override {
    if (body != nullptr) {
      if (auto refused = RefuseInput(*body, /*create=*/true)) return refused;
    } else if (auto refused = TypeSeedFields(user)) {
      return refused;
    }
    PlaceColumns(user);
    return std::nullopt;
  }

  std::optional<ApiError> BeforeUserUpdate(AuthContext& /*ctx*/, const json& body,
                                           const storage::UserRow& /*user*/,
                                           storage::Row* /*set*/) override {
    return RefuseInput(body, /*create=*/false);
  }

  // session.create.before: a banned user gets no session; an expired ban is lifted in the
  // store. `user` is left as it was read, as Better Auth's hook leaves the caller's copy (the
  // sign-in answer still shows the lifted ban).
  std::optional<ApiError> BeforeSessionCreate(AuthContext& ctx, storage::UserRow* user,
                                              storage::Row* /*session_extra*/) override {
    const int64_t now = ctx.clock.NowMs();
    const BanState ban = BanOf(*user, now);
    if (!ban.banned) return std::nullopt;
    if (!ban.expired) return ApiError::Custom(403, "BANNED_USER", options_.banned_user_message);
    auto lifted = ctx.repo.UpdateRows("user", {{"id", user->id}},
                                      {{"banned", int64_t{0}, FieldType::kBoolean},
                                       {"banReason", std::monostate(), FieldType::kString},
                                       {"banExpires", std::monostate(), FieldType::kDate},
                                       {"updatedAt", now, FieldType::kDate}});
    if (!lifted.ok()) return LoggedFailure(ctx, lifted.error());
    return std::nullopt;
  }

  // Stricter than Better Auth, which serves a banned user's leftover sessions: none serves
  // while the ban holds.
  bool SessionUsable(AuthContext& ctx, const storage::SessionWithUser& found) override {
    const BanState ban = BanOf(found.user, ctx.clock.NowMs());
    return !ban.banned || ban.expired;
  }

  // Better Auth's after-hook on /list-sessions: impersonation sessions are not listed.
  bool SessionListed(const storage::SessionRow& session) const override {
    const ColumnValue* by = storage::FindColumn(session.extra, "impersonatedBy");
    if (by == nullptr) return true;
    const auto* text = std::get_if<std::string>(by);
    return text == nullptr || text->empty();
  }

 private:
  // The plugin's columns after the user's others, in schema order (as Better Auth's adapter
  // returns a new user), each given when absent: role defaultRole, banned false, banReason and
  // banExpires null.
  void PlaceColumns(storage::UserRow* user) const {
    const storage::Row defaults = {{"role", options_.default_role, FieldType::kString},
                                   {"banned", int64_t{0}, FieldType::kBoolean},
                                   {"banReason", std::monostate(), FieldType::kString},
                                   {"banExpires", std::monostate(), FieldType::kDate}};
    storage::Row placed;
    for (const storage::ExtraColumn& column : defaults) {
      const storage::ExtraColumn* given = FindExtra(user, column.name);
      placed.push_back(given ? *given : column);
    }
    std::erase_if(user->extra, [](const storage::ExtraColumn& c) {
      return std::find(std::begin(kUserFields), std::end(kUserFields), c.name) !=
             std::end(kUserFields);
    });
    for (storage::ExtraColumn& column : placed) user->extra.push_back(std::move(column));
  }

  const AdminOptions options_;
};

std::vector<Route> AdminPlugin::Routes(AuthContext& ctx) {
  using Handler = HttpReply (*)(AuthContext&, const AdminOptions&, const HttpRequest&);
  struct Entry {
    const char* method;
    const char* path;
    Handler handler;
  };
  static constexpr Entry kEntries[] = {
      {"POST", "/admin/ban-user", &BanUser},
      {"POST", "/admin/unban-user", &UnbanUser},
      {"POST", "/admin/set-role", &SetRole},
      {"GET", "/admin/list-users", &ListUsers},
      {"POST", "/admin/revoke-user-sessions", &RevokeUserSessions},
      {"POST", "/admin/impersonate-user", &ImpersonateUser},
      {"POST", "/admin/stop-impersonating", &StopImpersonating}};
  std::vector<Route> routes;
  for (const Entry& e : kEntries) {
    Handler handler = e.handler;
    const AdminOptions* options = &options_;
    routes.push_back(Route{e.method, ctx.config.base_path + e.path,
                           [&ctx, options, handler](const HttpRequest& r) {
                             return handler(ctx, *options, r);
                           },
                           false, e.path});
  }
  return routes;
}

}  // namespace
}  // namespace admin

Result<std::unique_ptr<Plugin>> MakeAdmin(const nlohmann::json& options) {
  auto parsed = admin::ParseAdminOptions(options);
  if (!parsed.ok()) return parsed.error();
  return std::unique_ptr<Plugin>(std::make_unique<admin::AdminPlugin>(std::move(*parsed)));
}

}  // namespace issuer::server
