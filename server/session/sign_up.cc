// POST /sign-up/email: Better Auth's signUpEmail.
#include <variant>

#include "common/ids.h"
#include "common/text.h"
#include "server/auth/password.h"
#include "server/http/reply.h"
#include "server/session/account_endpoints.h"
#include "server/session/endpoints.h"
#include "server/session/login_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

// A sign-up body that passed every check, in Better Auth's order: origins, the plugins'
// before-hooks, zod, login CSRF,
// password length, then a free email.
struct SignUpForm {
  std::string name;
  std::string email;  // lowercase
  std::string password;
  std::optional<std::string> image;
  bool remember = true;
  std::string callback;    // callbackURL, for the verification mail
  bool duplicate = false;  // the email is taken, answered generically (requireEmailVerification)
  nlohmann::json body;     // as sent, for the plugins' fields (username)
};

std::variant<SignUpForm, ApiError> ReadSignUp(AuthContext& ctx, const HttpRequest& request,
                                              const Site& site) {
  auto parsed = ParseBody(request, /*allow_form=*/true);
  if (auto* error = std::get_if<ApiError>(&parsed)) return *error;
  Body& body = std::get<Body>(parsed);
  if (auto error = CheckOrigins(ctx, request, site, body ? &*body : nullptr)) return *error;
  if (body) {
    if (auto refused = ctx.plugins.BeforeRoute(ctx, "/sign-up/email", request, &*body)) {
      return *refused;
    }
  }
  if (auto error = CheckLoginFields(ctx, request, site, body, /*sign_up=*/true)) return *error;
  SignUpForm form{(*body)["name"].get<std::string>(),
                  Lowercase((*body)["email"].get<std::string>()),
                  (*body)["password"].get<std::string>(), OptionalString(*body, "image"),
                  Remember(*body), OptionalString(*body, "callbackURL").value_or(""), false,
                  *body};
  const size_t length = auth::Utf16Length(form.password);
  if (length < ctx.config.min_password_length) return ApiError{ApiCode::kPasswordTooShort, ""};
  if (length > ctx.config.max_password_length) return ApiError{ApiCode::kPasswordTooLong, ""};
  auto existing = ctx.repo.FindCredentialUser(form.email);
  if (!existing.ok()) return LoggedFailure(ctx, existing.error());
  if (existing->has_value() && !ctx.config.require_email_verification) {
    return ApiError{ApiCode::kUserAlreadyExists, ""};
  }
  form.duplicate = existing->has_value();
  return form;
}

// The user, its credential account (the password hashed outside any transaction) and its first
// session (none with requireEmailVerification: no auto sign-in), written in one transaction.
std::variant<std::optional<storage::SessionRow>, ApiError> CreateAccount(AuthContext& ctx,
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
  if (auto refused = ctx.plugins.BeforeUserCreate(ctx, &form.body, user)) return *refused;
  std::optional<storage::SessionRow> session;
  if (!ctx.config.require_email_verification) {
    auto started = StartSession(ctx, user, request, form.remember);
    if (auto* refused = std::get_if<ApiError>(&started)) return *refused;
    session = std::move(std::get<storage::SessionRow>(started));
  }
  Status st = session ? ctx.repo.CreateUserWithAccount(*user, account, *session)
                      : ctx.repo.CreateUser(*user, account);
  if (!st.ok() && st.error().code == Errc::kConflict) {
    return ApiError{ApiCode::kUserAlreadyExists, ""};
  }
  if (!st.ok()) return LoggedFailure(ctx, st.error());
  return session;
}

// requireEmailVerification's answer for a taken email: a made-up unverified user, no token,
// after hashing the password so that the timing matches a real sign-up.
HttpReply GenericDuplicate(AuthContext& ctx, const SignUpForm& form) {
  auto hash = ctx.passwords.Hash(form.password);
  if (!hash.ok()) return ErrorReply(FromError(hash.error()));
  const int64_t now = ctx.clock.NowMs();
  const storage::UserRow user{GenerateId(ctx.random), form.name, form.email, false, form.image,
                              now, now, {}};
  return JsonReply(Dump({{"token", nullptr}, {"user", UserJson(user)}}));
}

}  // namespace

HttpReply SignUp(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  auto form = ReadSignUp(ctx, request, site);
  if (auto* error = std::get_if<ApiError>(&form)) return ErrorReply(*error);
  const SignUpForm& in = std::get<SignUpForm>(form);
  if (in.duplicate) return GenericDuplicate(ctx, in);
  storage::UserRow user;
  auto created = CreateAccount(ctx, request, in, &user);
  if (auto* error = std::get_if<ApiError>(&created)) return ErrorReply(*error);
  const auto& session = std::get<std::optional<storage::SessionRow>>(created);
  ctx.log.Info("sign_up", "user=" + user.id);
  if (ctx.config.send_on_sign_up.value_or(ctx.config.require_email_verification)) {
    MailVerificationLink(ctx, site, user, in.callback);
  }
  if (!session) return JsonReply(Dump({{"token", nullptr}, {"user", UserJson(user)}}));
  HttpReply reply = JsonReply(Dump({{"token", session->token}, {"user", UserJson(user)}}));
  SetSessionCookies(ctx, *session, in.remember, site, &reply);
  AddBearerToken(site, &reply);
  return reply;
}

}  // namespace issuer::server
