// Better Auth's username plugin: its schema, its before-hooks on /sign-up/email and
// /update-user, its user database hooks and its routes (routes.cc).
#include "server/plugins/username/username.h"

#include <algorithm>

#include "server/http/request_body.h"
#include "server/plugins/username/options.h"
#include "server/plugins/username/routes.h"
#include "server/session/resolve.h"

namespace issuer::server {
namespace username {
namespace {

using nlohmann::json;
using storage::FieldType;

storage::ExtraColumn* FindExtra(storage::UserRow* user, std::string_view name) {
  for (auto& column : user->extra) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

// The text of a column, if it holds some.
const std::string* TextOf(const storage::ExtraColumn* column) {
  return column == nullptr ? nullptr : std::get_if<std::string>(&column->value);
}

// The id of the user who signs in with `credential`'s live session, if any: the session
// getSessionFromCtx finds in the plugin's update-user hook (read only: no refresh here).
std::optional<std::string> SessionUserId(AuthContext& ctx, const HttpRequest& request) {
  auto credential = ReadCredential(ctx, request, SiteOf(ctx.config, request));
  if (!credential) return std::nullopt;
  auto found = ctx.repo.FindSessionWithUser(credential->token);
  if (!found.ok() || !found->has_value()) return std::nullopt;
  if ((*found)->session.expires_at_ms <= ctx.clock.NowMs()) return std::nullopt;
  return (*found)->user.id;
}

class UsernamePlugin : public Plugin {
 public:
  explicit UsernamePlugin(UsernameOptions options) : options_(options) {}

  std::string_view id() const override { return "username"; }

  std::vector<storage::TableDecl> Schema() const override {
    storage::FieldDecl name;
    name.name = "username";
    name.unique = true;
    std::vector<storage::FieldDecl> fields = {name};
    if (options_.display_username) {
      storage::FieldDecl display;
      display.name = "displayUsername";
      fields.push_back(display);
    }
    return {{"user", fields}};
  }

  std::vector<Route> Routes(AuthContext& ctx) override { return UsernameRoutes(ctx, options_); }

  // hooks.before on /sign-up/email and /update-user, in the plugin's order.
  std::optional<ApiError> BeforeRoute(AuthContext& ctx, std::string_view path,
                                      const HttpRequest& request, json* body) override {
    const bool sign_up = path == "/sign-up/email";
    if (!sign_up && path != "/update-user") return std::nullopt;
    if (!body->is_object()) return std::nullopt;
    if (sign_up) AdoptDisplayUsername(body);
    if (auto it = body->find("username"); it != body->end() && it->is_string()) {
      const std::string given = it->get<std::string>();
      if (auto code = ValidationError(options_, given)) return Refusal(400, *code);
      auto refused = sign_up ? CheckFree(ctx, Normalize(options_, given), std::nullopt)
                             : CheckUpdate(ctx, request, Normalize(options_, given));
      if (refused) return refused;
    }
    if (sign_up && options_.display_username && Truthy(body->value("username", json())) &&
        !Truthy(body->value("displayUsername", json()))) {
      (*body)["displayUsername"] = (*body)["username"];
    }
    return std::nullopt;
  }

  // parseUserInput's transform, then user.create.before. From the fixture (no body) the hook
  // validates the name too, as Better Auth's does off the HTTP sign-up path.
  std::optional<ApiError> BeforeUserCreate(AuthContext& ctx, const json* body,
                                           storage::UserRow* user) override {
    if (body != nullptr) {
      if (auto refused = TakeFields(*body, user)) return refused;
    } else if (const std::string* given = TextOf(FindExtra(user, "username"))) {
      if (auto code = ValidationError(options_, *given)) return Refusal(400, *code);
      if (auto refused = CheckFree(ctx, Normalize(options_, *given), std::nullopt)) return refused;
    }
    PlaceColumns(user);
    return std::nullopt;
  }

  // parseUserInput's transform, then user.update.before: the fields given are written, the
  // username normalised; displayUsername is not derived on update.
  std::optional<ApiError> BeforeUserUpdate(AuthContext& /*ctx*/, const json& body,
                                           const storage::UserRow& /*user*/,
                                           storage::Row* set) override {
    for (const char* field : {"username", "displayUsername"}) {
      if (std::string_view(field) == "displayUsername" && !options_.display_username) continue;
      auto it = body.find(field);
      if (it == body.end()) continue;
      if (!it->is_string() && !it->is_null()) return WrongType(field);
      storage::ColumnValue value = std::monostate();
      if (it->is_string()) {
        const std::string text = it->get<std::string>();
        value = std::string_view(field) == "username" ? Normalize(options_, text) : text;
      }
      set->push_back({field, std::move(value), FieldType::kString});
    }
    return std::nullopt;
  }

 private:
  static ApiError Refusal(int status, const std::string& code) {
    return ApiError::Custom(status, code, MessageOf(code));
  }

  // A value Better Auth would hand its adapter unchecked (a number, an object): refused here.
  static ApiError WrongType(const std::string& field) {
    return ApiError{ApiCode::kValidationError, field + ": expected a string"};
  }

  // Sign-up's first hook: a displayUsername that is a valid username, with no username given,
  // becomes the username too.
  void AdoptDisplayUsername(json* body) const {
    auto display = body->find("displayUsername");
    if (display == body->end() || !display->is_string() || body->contains("username")) return;
    if (!ValidationError(options_, display->get<std::string>())) {
      (*body)["username"] = *display;
    }
  }

  // USERNAME_IS_ALREADY_TAKEN unless no user has `normalized`, or only `self`.
  std::optional<ApiError> CheckFree(AuthContext& ctx, const std::string& normalized,
                                    const std::optional<std::string>& self) const {
    auto owner = FindByUsername(ctx, normalized);
    if (auto* error = std::get_if<ApiError>(&owner)) return *error;
    const auto& id = std::get<std::optional<std::string>>(owner);
    if (!id || (self && *id == *self)) return std::nullopt;
    return Refusal(400, "USERNAME_IS_ALREADY_TAKEN");
  }

  // update-user's hook: immutableUsername, then the name free or the caller's own.
  std::optional<ApiError> CheckUpdate(AuthContext& ctx, const HttpRequest& request,
                                      const std::string& normalized) const {
    const std::optional<std::string> self = SessionUserId(ctx, request);
    if (options_.immutable && self) {
      auto user = ctx.repo.FindUserById(*self);
      if (!user.ok()) return LoggedFailure(ctx, user.error());
      if (user->has_value()) {
        const std::string* current = TextOf(FindExtra(&**user, "username"));
        if (current && !current->empty() && *current != normalized) {
          return Refusal(400, "USERNAME_IS_IMMUTABLE");
        }
      }
    }
    return CheckFree(ctx, normalized, self);
  }

  // The sign-up body's username (normalised) and displayUsername onto the new user.
  std::optional<ApiError> TakeFields(const json& body, storage::UserRow* user) const {
    for (const char* field : {"username", "displayUsername"}) {
      if (std::string_view(field) == "displayUsername" && !options_.display_username) continue;
      auto it = body.find(field);
      if (it == body.end()) continue;
      if (!it->is_string() && !it->is_null()) return WrongType(field);
      std::erase_if(user->extra, [&](const storage::ExtraColumn& c) { return c.name == field; });
      storage::ColumnValue value = std::monostate();
      if (it->is_string()) value = it->get<std::string>();
      user->extra.push_back({field, std::move(value), FieldType::kString});
    }
    return std::nullopt;
  }

  // user.create.before: a username normalised, and displayUsername from it when absent; both
  // columns present (null when not given), after the user's others.
  void PlaceColumns(storage::UserRow* user) const {
    storage::ColumnValue name = std::monostate();
    storage::ColumnValue display = std::monostate();
    if (const std::string* given = TextOf(FindExtra(user, "username")); given && !given->empty()) {
      name = Normalize(options_, *given);
    }
    if (const std::string* given = TextOf(FindExtra(user, "displayUsername"));
        given && !given->empty()) {
      display = *given;
    } else if (std::holds_alternative<std::string>(name)) {
      display = std::get<std::string>(name);
    }
    std::erase_if(user->extra, [](const storage::ExtraColumn& c) {
      return c.name == "username" || c.name == "displayUsername";
    });
    user->extra.push_back({"username", std::move(name), FieldType::kString});
    if (options_.display_username) {
      user->extra.push_back({"displayUsername", std::move(display), FieldType::kString});
    }
  }

  const UsernameOptions options_;
};

}  // namespace
}  // namespace username

Result<std::unique_ptr<Plugin>> MakeUsername(const nlohmann::json& options) {
  auto parsed = username::ParseUsernameOptions(options);
  if (!parsed.ok()) return parsed.error();
  return std::unique_ptr<Plugin>(std::make_unique<username::UsernamePlugin>(*parsed));
}

}  // namespace issuer::server
