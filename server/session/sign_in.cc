// POST /sign-in/email: Better Auth's signInEmail.
#include <variant>

#include "common/text.h"
#include "server/auth/email.h"
#include "server/auth/password.h"
#include "server/http/reply.h"
#include "server/session/endpoints.h"
#include "server/session/login_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

struct SignInForm {
  std::string email;  // lowercase
  std::string password;
  std::optional<std::string> callback;
  bool remember = true;
};

std::variant<SignInForm, ApiError> ReadSignIn(AuthContext& ctx, const HttpRequest& request,
                                              const Site& site) {
  auto parsed = ParseBody(request, /*allow_form=*/true);
  if (auto* error = std::get_if<ApiError>(&parsed)) return *error;
  const Body& body = std::get<Body>(parsed);
  if (auto error = CheckLoginRequest(ctx, request, site, body, /*sign_up=*/false)) return *error;
  SignInForm form{Lowercase((*body)["email"].get<std::string>()),
                  (*body)["password"].get<std::string>(), OptionalString(*body, "callbackURL"),
                  Remember(*body)};
  if (!auth::IsValidEmail(form.email)) return ApiError{ApiCode::kInvalidEmail, ""};
  if (auth::Utf16Length(form.password) > ctx.config.max_password_length) {
    return ApiError{ApiCode::kPasswordTooLong, ""};
  }
  return form;
}

// The user whose credential password matches, or INVALID_EMAIL_OR_PASSWORD.
std::variant<storage::UserRow, ApiError> CheckPassword(AuthContext& ctx, const SignInForm& form) {
  auto found = ctx.repo.FindCredentialUser(form.email);
  if (!found.ok()) return LoggedFailure(ctx, found.error());
  if (!found->has_value() || !(*found)->password) {
    // Even out timing for unknown users; a busy gate answers 503 whether the user exists or not.
    auto hashed = ctx.passwords.Hash(form.password);
    if (!hashed.ok()) return FromError(hashed.error());
    return ApiError{ApiCode::kInvalidEmailOrPassword, ""};
  }
  auto match = ctx.passwords.Verify(form.password, *(*found)->password);
  if (!match.ok()) return FromError(match.error());
  if (!*match) return ApiError{ApiCode::kInvalidEmailOrPassword, ""};
  // emailVerification.sendOnSignIn is not served: the refusal sends no mail.
  if (ctx.config.require_email_verification && !(*found)->user.email_verified) {
    return ApiError{ApiCode::kEmailNotVerified, ""};
  }
  return std::move((*found)->user);
}

std::string SignInBody(const std::optional<std::string>& callback,
                       const storage::SessionRow& session, const storage::UserRow& user) {
  OrderedJson out = {{"redirect", callback.has_value()}, {"token", session.token}};
  if (callback) out["url"] = *callback;
  out["user"] = UserJson(user);
  return Dump(out);
}

}  // namespace

HttpReply CompleteSignIn(AuthContext& ctx, const HttpRequest& request, const Site& site,
                         storage::UserRow user, bool remember,
                         const std::optional<std::string>& callback) {
  auto started = StartSession(ctx, &user, request, remember);
  if (auto* error = std::get_if<ApiError>(&started)) return ErrorReply(*error);
  if (auto answer = ctx.plugins.InterceptSignIn(ctx, {user, request, site, remember})) {
    return std::move(*answer);
  }
  const storage::SessionRow& session = std::get<storage::SessionRow>(started);
  Status st = ctx.repo.InsertSession(session);
  if (!st.ok()) return ErrorReply(LoggedFailure(ctx, st.error()));
  HttpReply reply = JsonReply(SignInBody(callback, session, user));
  if (callback) reply.AddHeader("Location", *callback);
  SetSessionCookies(ctx, session, remember, site, &reply);
  AddBearerToken(site, &reply);
  ctx.plugins.AfterSignIn(ctx, {user, request, site, remember}, &reply);
  return reply;
}

HttpReply SignIn(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  auto form = ReadSignIn(ctx, request, site);
  if (auto* error = std::get_if<ApiError>(&form)) return ErrorReply(*error);
  const SignInForm& in = std::get<SignInForm>(form);
  auto user = CheckPassword(ctx, in);
  if (auto* error = std::get_if<ApiError>(&user)) return ErrorReply(*error);
  return CompleteSignIn(ctx, request, site, std::move(std::get<storage::UserRow>(user)),
                        in.remember, in.callback);
}

}  // namespace issuer::server
