// POST /send-verification-email, GET /verify-email: Better Auth's sendVerificationEmail and
// verifyEmail (email verification tokens are signed JWTs, not verification rows).
#include <chrono>
#include <thread>

#include "common/text.h"
#include "server/auth/signed_value.h"
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/account_endpoints.h"
#include "server/session/render.h"
#include "server/session/resolve.h"
#include "server/session/session_cookies.h"
#include "server/session/verification_token.h"

namespace issuer::server {
namespace {

// Better Auth's floor for an anonymous send-verification-email, so that a known unverified
// address (a mail goes out) cannot be told from others by timing. A duration, not a time of day.
constexpr std::chrono::milliseconds kAnonymousFloor{500};

// appendQueryParams: error=CODE added to the callback URL (a root-relative one stays relative).
std::string AppendError(const std::string& url, const char* code) {
  const size_t hash = url.find('#');
  const std::string head = url.substr(0, hash);
  const std::string tail = hash == std::string::npos ? "" : url.substr(hash);
  const char* separator = head.find('?') == std::string::npos ? "?"
                          : head.back() == '&' || head.back() == '?' ? "" : "&";
  return head + separator + "error=" + code + tail;
}

HttpReply SendAnonymous(AuthContext& ctx, const Site& site, const std::string& email,
                        const std::string& callback) {
  const auto start = std::chrono::steady_clock::now();
  auto found = ctx.repo.FindCredentialUser(Lowercase(email));
  if (!found.ok()) return ErrorReply(LoggedFailure(ctx, found.error()));
  if (found->has_value() && !(*found)->user.email_verified) {
    MailVerificationLink(ctx, site, (*found)->user, callback);
  }
  std::this_thread::sleep_until(start + kAnonymousFloor);
  return JsonReply(Dump({{"status", true}}));
}

}  // namespace

void MailVerificationLink(AuthContext& ctx, const Site& site, const storage::UserRow& user,
                          const std::string& callback) {
  const int64_t now = ctx.clock.NowMs();
  const std::string token =
      SignVerificationToken({Lowercase(user.email), user.id, std::nullopt},
                            ctx.secrets.cookie_secret, now,
                            ctx.config.email_verification_expires_in_s);
  const std::string url = BaseUrl(ctx, site) + "/verify-email?token=" + token +
                          "&callbackURL=" + auth::EncodeUriComponent(callback.empty() ? "/" : callback);
  ctx.mailbox.Send({user.email, "verify-email", url, token, now});
}

HttpReply SendVerificationEmail(AuthContext& ctx, const HttpRequest& request) {
  static const std::vector<FieldSpec> kFields = {{"email", FieldType::kEmail, true},
                                                 {"callbackURL", FieldType::kString, false}};
  const Site site = SiteOf(ctx.config, request);
  auto read = ReadAccountBody(ctx, request, site, &kFields);
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  const Body body = std::get<Body>(read);
  const std::string email = (*body)["email"].get<std::string>();
  const std::string callback = body->value("callbackURL", "");
  HttpReply reply;
  SessionResult session = ResolveSession(ctx, request, site, &reply);
  if (session.outcome == Lookup::kError) return WithError(std::move(reply), session.error);
  if (session.outcome == Lookup::kNone) return SendAnonymous(ctx, site, email, callback);
  const storage::UserRow& user = session.found.user;
  if (Lowercase(user.email) != Lowercase(email)) {
    return WithError(std::move(reply), {ApiCode::kEmailMismatch, ""});
  }
  if (user.email_verified) return WithError(std::move(reply), {ApiCode::kEmailAlreadyVerified, ""});
  MailVerificationLink(ctx, site, user, callback);
  reply.body = Dump({{"status", true}});
  return reply;
}

namespace {

struct VerifyQuery {
  std::string token;
  std::optional<std::string> callback;
};

// redirectOnError: to the callback with ?error=CODE, else 401 with the code.
HttpReply VerifyFailed(HttpReply reply, const VerifyQuery& q, ApiCode code, const char* name) {
  if (q.callback && !q.callback->empty()) return Redirect(std::move(reply), AppendError(*q.callback, name));
  return WithError(std::move(reply), {code, ""});
}

HttpReply Verified(HttpReply reply, const VerifyQuery& q) {
  if (q.callback && !q.callback->empty()) return Redirect(std::move(reply), *q.callback);
  reply.body = Dump({{"status", true}, {"user", nullptr}});
  return reply;
}

// autoSignInAfterVerification: a new session unless the request's own is the user's.
std::optional<ApiError> SignInVerified(AuthContext& ctx, const HttpRequest& request,
                                       const Site& site, storage::UserRow user,
                                       HttpReply* reply) {
  SessionResult current = ResolveSession(ctx, request, site, reply);
  if (current.outcome == Lookup::kError) return current.error;
  if (current.outcome == Lookup::kFound && current.found.user.email == user.email) {
    RenewSessionCookie(ctx, request, site, current.found.session, reply);
    return std::nullopt;
  }
  auto started = StartSession(ctx, &user, request, true);
  if (auto* refused = std::get_if<ApiError>(&started)) return *refused;
  const storage::SessionRow& session = std::get<storage::SessionRow>(started);
  if (Status st = ctx.repo.InsertSession(session); !st.ok()) return LoggedFailure(ctx, st.error());
  SetSessionCookies(ctx, session, true, site, reply);
  return std::nullopt;
}

// The query: token required (zod), callbackURL optional and trusted (originCheck).
std::variant<VerifyQuery, ApiError> ReadVerifyQuery(const AuthContext& ctx, const Site& site,
                                                    const HttpRequest& request) {
  auto token = request.query.find("token");
  if (token == request.query.end()) {
    return ApiError{ApiCode::kValidationError,
                    "[query.token] Invalid input: expected string, received undefined"};
  }
  VerifyQuery q{token->second, std::nullopt};
  if (auto it = request.query.find("callbackURL"); it != request.query.end()) q.callback = it->second;
  if (ctx.config.origin_check_enabled() && q.callback && !q.callback->empty() &&
      !TrustedTarget(ctx, site, *q.callback)) {
    return ApiError{ApiCode::kInvalidCallbackUrl, ""};
  }
  return q;
}

// The user the token names, or the answer that refuses it.
std::variant<storage::UserRow, HttpReply> TokenUser(AuthContext& ctx, const VerifyQuery& q) {
  const CheckedToken checked = CheckVerificationToken(q.token, ctx.secrets.cookie_secret,
                                                      ctx.clock.NowMs());
  if (checked.outcome == TokenCheck::kExpired) {
    return VerifyFailed(HttpReply{}, q, ApiCode::kTokenExpired, "TOKEN_EXPIRED");
  }
  // Change-email tokens (updateTo) come only from /change-email, which ba-issuer does not serve.
  if (checked.outcome == TokenCheck::kInvalid || checked.claims.update_to) {
    return VerifyFailed(HttpReply{}, q, ApiCode::kInvalidTokenUnauthorized, "INVALID_TOKEN");
  }
  auto found = ctx.repo.FindCredentialUser(Lowercase(checked.claims.email));
  if (!found.ok()) return ErrorReply(LoggedFailure(ctx, found.error()));
  if (!found->has_value()) {
    return VerifyFailed(HttpReply{}, q, ApiCode::kUserNotFoundUnauthorized, "USER_NOT_FOUND");
  }
  if (checked.claims.user_id && *checked.claims.user_id != (*found)->user.id) {
    return VerifyFailed(HttpReply{}, q, ApiCode::kInvalidTokenUnauthorized, "INVALID_TOKEN");
  }
  return std::move((*found)->user);
}

}  // namespace

HttpReply VerifyEmail(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  auto query = ReadVerifyQuery(ctx, site, request);
  if (auto* error = std::get_if<ApiError>(&query)) return ErrorReply(*error);
  const VerifyQuery& q = std::get<VerifyQuery>(query);
  auto found = TokenUser(ctx, q);
  if (auto* refused = std::get_if<HttpReply>(&found)) return std::move(*refused);
  storage::UserRow& user = std::get<storage::UserRow>(found);
  HttpReply reply;
  if (user.email_verified) return Verified(std::move(reply), q);
  user.email_verified = true;
  user.updated_at_ms = ctx.clock.NowMs();
  if (Status st = ctx.repo.UpdateUser(user); !st.ok()) return ErrorReply(LoggedFailure(ctx, st.error()));
  ctx.log.Info("email_verified", "user=" + user.id);
  if (ctx.config.auto_sign_in_after_verification) {
    if (auto error = SignInVerified(ctx, request, site, user, &reply)) {
      return WithError(std::move(reply), *error);
    }
    AddBearerToken(site, &reply);
  }
  return Verified(std::move(reply), q);
}

}  // namespace issuer::server
