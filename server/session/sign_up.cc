// POST /sign-up/email: Better Auth's signUpEmail.
#include <variant>

#include "common/ids.h"
#include "common/text.h"
#include "server/auth/password.h"
#include "server/http/reply.h"
#include "server/session/endpoints.h"
#include "server/session/login_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

// A sign-up body that passed every check, in Better Auth's order: origins, zod, login CSRF,
// password length, then a free email.
struct SignUpForm {
  std::string name;
  std::string email;  // lowercase
  std::string password;
  std::optional<std::string> image;
  bool remember = true;
};

std::variant<SignUpForm, ApiError> ReadSignUp(AuthContext& ctx, const HttpRequest& request,
                                              const Site& site) {
  auto parsed = ParseBody(request, /*allow_form=*/true);
  if (auto* error = std::get_if<ApiError>(&parsed)) return *error;
  const Body& body = std::get<Body>(parsed);
  if (auto error = CheckLoginRequest(ctx, request, site, body, /*sign_up=*/true)) return *error;
  SignUpForm form{(*body)["name"].get<std::string>(),
                  Lowercase((*body)["email"].get<std::string>()),
                  (*body)["password"].get<std::string>(), OptionalString(*body, "image"),
                  Remember(*body)};
  const size_t length = auth::Utf16Length(form.password);
  if (length < ctx.config.min_password_length) return ApiError{ApiCode::kPasswordTooShort, ""};
  if (length > ctx.config.max_password_length) return ApiError{ApiCode::kPasswordTooLong, ""};
  auto existing = ctx.repo.FindCredentialUser(form.email);
  if (!existing.ok()) return LoggedFailure(ctx, existing.error());
  if (existing->has_value()) return ApiError{ApiCode::kUserAlreadyExists, ""};
  return form;
}

// The user, its credential account (the password hashed outside any transaction) and its first
// session, written in one transaction.
std::variant<storage::SessionRow, ApiError> CreateAccount(AuthContext& ctx,
                                                          const HttpRequest& request,
                                                          const SignUpForm& form,
                                                          storage::UserRow* user) {
  const int64_t now = ctx.clock.NowMs();
  *user = storage::UserRow{GenerateId(ctx.random), form.name, form.email, false, form.image,
                           now, now, {}};
  auto hash = ctx.passwords.Hash(form.password);
  if (!hash.ok()) return FromError(hash.error());
  storage::AccountRow account{GenerateId(ctx.random), user->id, "credential", user->id,
                              std::move(*hash), now, now};
  storage::SessionRow session = NewSession(ctx, user->id, request, form.remember);
  Status st = ctx.repo.CreateUserWithAccount(*user, account, session);
  if (!st.ok() && st.error().code == Errc::kConflict) {
    return ApiError{ApiCode::kUserAlreadyExists, ""};
  }
  if (!st.ok()) return LoggedFailure(ctx, st.error());
  return session;
}

}  // namespace

HttpReply SignUp(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  auto form = ReadSignUp(ctx, request, site);
  if (auto* error = std::get_if<ApiError>(&form)) return ErrorReply(*error);
  storage::UserRow user;
  auto created = CreateAccount(ctx, request, std::get<SignUpForm>(form), &user);
  if (auto* error = std::get_if<ApiError>(&created)) return ErrorReply(*error);
  const storage::SessionRow& session = std::get<storage::SessionRow>(created);
  ctx.log.Info("sign_up", "user=" + user.id);
  HttpReply reply = JsonReply(Dump({{"token", session.token}, {"user", UserJson(user)}}));
  SetSessionCookies(ctx, session, std::get<SignUpForm>(form).remember, site, &reply);
  AddBearerToken(site, &reply);
  return reply;
}

}  // namespace issuer::server
