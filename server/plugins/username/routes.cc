// The username plugin's endpoints: signInUsername and isUsernameAvailable.
#include "server/plugins/username/routes.h"

#include <variant>

#include "server/auth/password.h"
#include "server/http/reply.h"
#include "server/http/request_body.h"
#include "server/session/account_checks.h"
#include "server/session/endpoints.h"
#include "server/session/login_checks.h"
#include "server/session/render.h"

namespace issuer::server::username {
namespace {

ApiError Refusal(int status, const std::string& code) {
  return ApiError::Custom(status, code, MessageOf(code));
}

ApiError WrongCredentials() { return Refusal(401, "INVALID_USERNAME_OR_PASSWORD"); }

// The body of a plugin route, parsed and checked as Better Auth's router and zod check it:
// JSON only, the origin checks, then the fields.
std::variant<Body, ApiError> ReadBody(AuthContext& ctx, const HttpRequest& request,
                                      const Site& site, const std::vector<FieldSpec>& fields) {
  auto parsed = ParseBody(request, /*allow_form=*/false);
  if (auto* error = std::get_if<ApiError>(&parsed)) return *error;
  const Body& body = std::get<Body>(parsed);
  const bool object = body && body->is_object();
  if (auto error = CheckOrigins(ctx, request, site, object ? &*body : nullptr)) return *error;
  if (auto error = ValidateFields(body, fields)) return *error;
  return body;
}

// The user signing in with `name` and `password`, in signInUsername's order of checks.
std::variant<storage::UserRow, ApiError> CheckCredentials(AuthContext& ctx,
                                                          const UsernameOptions& options,
                                                          const std::string& name,
                                                          const std::string& password) {
  if (name.empty() || password.empty()) return WrongCredentials();
  if (auto code = ValidationError(options, name)) return Refusal(422, *code);
  if (auth::Utf16Length(password) > ctx.config.max_password_length) {
    return ApiError{ApiCode::kPasswordTooLong, ""};
  }
  auto id = FindByUsername(ctx, Normalize(options, name));
  if (auto* error = std::get_if<ApiError>(&id)) return *error;
  const auto& user_id = std::get<std::optional<std::string>>(id);
  std::optional<storage::UserRow> user;
  if (user_id) {
    auto found = ctx.repo.FindUserById(*user_id);
    if (!found.ok()) return LoggedFailure(ctx, found.error());
    user = std::move(*found);
  }
  if (!user) {
    // Better Auth hashes the password for an unknown name, so the two take the same time.
    auto hashed = ctx.passwords.Hash(password);
    if (!hashed.ok()) return FromError(hashed.error());
    return WrongCredentials();
  }
  auto hash = CredentialHash(ctx, user->id);
  if (std::holds_alternative<ApiError>(hash)) return WrongCredentials();
  auto match = ctx.passwords.Verify(password, std::get<std::string>(hash));
  if (!match.ok()) return FromError(match.error());
  if (!*match) return WrongCredentials();
  // emailVerification.sendOnSignIn is not served (as for /sign-in/email): no mail is sent.
  if (ctx.config.require_email_verification && !user->email_verified) {
    return Refusal(403, "EMAIL_NOT_VERIFIED");
  }
  return std::move(*user);
}

HttpReply SignInUsername(AuthContext& ctx, const UsernameOptions& options,
                         const HttpRequest& request) {
  static const std::vector<FieldSpec> fields = {{"username", FieldType::kString, true},
                                                {"password", FieldType::kString, true},
                                                {"rememberMe", FieldType::kBoolean, false},
                                                {"callbackURL", FieldType::kString, false}};
  const Site site = SiteOf(ctx.config, request);
  auto read = ReadBody(ctx, request, site, fields);
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  const nlohmann::json& body = *std::get<Body>(read);
  auto user = CheckCredentials(ctx, options, body["username"].get<std::string>(),
                               body["password"].get<std::string>());
  if (auto* error = std::get_if<ApiError>(&user)) return ErrorReply(*error);
  return CompleteSignIn(ctx, request, site, std::move(std::get<storage::UserRow>(user)),
                        Remember(body), OptionalString(body, "callbackURL"));
}

HttpReply IsUsernameAvailable(AuthContext& ctx, const UsernameOptions& options,
                              const HttpRequest& request) {
  static const std::vector<FieldSpec> fields = {{"username", FieldType::kString, true}};
  const Site site = SiteOf(ctx.config, request);
  auto read = ReadBody(ctx, request, site, fields);
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  const std::string name = (*std::get<Body>(read))["username"].get<std::string>();
  if (name.empty()) return ErrorReply(Refusal(422, "INVALID_USERNAME"));
  if (auto code = ValidationError(options, name)) return ErrorReply(Refusal(422, *code));
  auto id = FindByUsername(ctx, Normalize(options, name));
  if (auto* error = std::get_if<ApiError>(&id)) return ErrorReply(*error);
  const bool taken = std::get<std::optional<std::string>>(id).has_value();
  return JsonReply(Dump({{"available", !taken}}));
}

}  // namespace

std::variant<std::optional<std::string>, ApiError> FindByUsername(AuthContext& ctx,
                                                                  const std::string& normalized) {
  auto rows = ctx.repo.FindRows("user", {{"username", normalized}}, {1, 0, "", false});
  if (!rows.ok()) return LoggedFailure(ctx, rows.error());
  if (rows->empty()) return std::optional<std::string>();
  const storage::ColumnValue* id = storage::FindColumn(rows->front(), "id");
  if (id == nullptr || !std::holds_alternative<std::string>(*id)) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::get<std::string>(*id));
}

std::vector<Route> UsernameRoutes(AuthContext& ctx, const UsernameOptions& options) {
  using Handler = HttpReply (*)(AuthContext&, const UsernameOptions&, const HttpRequest&);
  struct Entry {
    const char* path;
    Handler handler;
  };
  static constexpr Entry kEntries[] = {{"/sign-in/username", &SignInUsername},
                                       {"/is-username-available", &IsUsernameAvailable}};
  std::vector<Route> routes;
  for (const Entry& e : kEntries) {
    Handler handler = e.handler;
    const UsernameOptions* opts = &options;
    routes.push_back(Route{"POST", ctx.config.base_path + e.path,
                           [&ctx, opts, handler](const HttpRequest& r) {
                             return handler(ctx, *opts, r);
                           },
                           false, e.path});
  }
  return routes;
}

}  // namespace issuer::server::username
