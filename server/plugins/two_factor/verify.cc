// POST /two-factor/verify-totp, /send-otp, /verify-otp, /verify-backup-code (totp/, otp/,
// backup-codes/ of the plugin), the sign-in redirect, and the test API's current TOTP code.
#include "common/ids.h"
#include "common/text.h"
#include "keys/one_time_codes.h"
#include "keys/totp.h"
#include "server/http/cookies.h"
#include "server/auth/signed_value.h"
#include "server/http/reply.h"
#include "server/plugins/two_factor/codes.h"
#include "server/plugins/two_factor/flow.h"
#include "server/plugins/two_factor/routes.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"

namespace issuer::server::two_factor {
namespace {

// The body checks and the challenge a verify route starts with; nullopt when `reply` answers.
std::optional<Challenge> Start(AuthContext& ctx, const HttpRequest& request, const Site& site,
                               const std::vector<FieldSpec>* fields, Body* body,
                               HttpReply* reply) {
  auto read = ReadAccountBody(ctx, request, site, fields);
  if (auto* error = std::get_if<ApiError>(&read)) {
    *reply = ErrorReply(*error);
    return std::nullopt;
  }
  *body = std::get<Body>(std::move(read));
  auto challenge = OpenChallenge(ctx, request, site, reply);
  if (auto* error = std::get_if<ApiError>(&challenge)) {
    *reply = WithError(std::move(*reply), *error);
    return std::nullopt;
  }
  return std::get<Challenge>(std::move(challenge));
}

const std::vector<FieldSpec>& CodeFields() {
  static const std::vector<FieldSpec> kFields = {{"code", FieldType::kString, true},
                                                 {"trustDevice", FieldType::kBoolean, false}};
  return kFields;
}

bool Flag(const Body& body, const char* name) {
  return body && body->is_object() && body->value(name, false);
}

keys::TotpParams Params(const Options& options) {
  return {options.totp.digits, options.totp.period_s, keys::OtpHash::kSha1};
}

// The record a sign-in's code is checked against, with the lockout checked.
std::variant<std::optional<Record>, ApiError> LockedRecord(AuthContext& ctx,
                                                           const Options& options,
                                                           const Challenge& challenge) {
  auto record = FindRecord(ctx, challenge.user.id);
  if (!record.ok()) return LoggedFailure(ctx, record.error());
  if (*record && challenge.sign_in()) {
    if (auto error = CheckNotLocked(ctx, options, **record)) return *error;
  }
  return std::move(*record);
}

// A session user's first verified code turns two-factor on (verify-totp, verify-otp): the user
// updated and the session rotated. Returns the new session, or nullopt if it was on already.
std::variant<std::optional<storage::SessionRow>, ApiError> FirstVerification(
    AuthContext& ctx, const HttpRequest& request, const Site& site, const Challenge& challenge,
    HttpReply* reply) {
  if (Enabled(challenge.user) || !challenge.session) return std::optional<storage::SessionRow>();
  auto user = SetEnabled(ctx, challenge.user.id, true);
  if (!user.ok()) return LoggedFailure(ctx, user.error());
  auto rotated = RotateSession(ctx, request, site, challenge.session->session, *user, reply);
  if (auto* error = std::get_if<ApiError>(&rotated)) return *error;
  return std::optional<storage::SessionRow>(std::get<storage::SessionRow>(rotated));
}

}  // namespace

HttpReply VerifyTotp(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto read = ReadAccountBody(ctx, request, site, &CodeFields());
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  body = std::get<Body>(std::move(read));
  if (options.totp.disable) {
    return ErrorReply(ApiError::Custom(400, "TOTP_NOT_CONFIGURED", "totp isn't configured"));
  }
  auto opened = OpenChallenge(ctx, request, site, &reply);
  if (auto* error = std::get_if<ApiError>(&opened)) return WithError(std::move(reply), *error);
  const Challenge& challenge = std::get<Challenge>(opened);
  auto record = FindRecord(ctx, challenge.user.id);
  if (!record.ok()) return WithError(std::move(reply), LoggedFailure(ctx, record.error()));
  if (!*record || (challenge.sign_in() && (*record)->verified == false)) {
    return WithError(std::move(reply), TwoFactorError(400, "TOTP_NOT_ENABLED"));
  }
  const Record& row = **record;
  if (challenge.sign_in()) {
    if (auto error = CheckNotLocked(ctx, options, row)) return WithError(std::move(reply), *error);
  }
  auto begun = BeginAttempt(ctx, challenge, site, 5, &reply);
  if (auto* error = std::get_if<ApiError>(&begun)) return WithError(std::move(reply), *error);
  const Attempt& attempt = std::get<Attempt>(begun);
  auto key = OpenSecret(ctx, row.secret);
  if (!key.ok()) {
    RestoreAttempt(ctx, attempt);
    return WithError(std::move(reply), LoggedFailure(ctx, key.error()));
  }
  const std::string code = (*body)["code"].get<std::string>();
  if (!keys::VerifyTotp(code, key->view(), ctx.clock.NowMs(), Params(options))) {
    RecordAttempt(ctx, attempt);
    if (challenge.sign_in()) RecordFailure(ctx, options, row);
    return WithError(std::move(reply), TwoFactorError(401, "INVALID_CODE"));
  }
  if (challenge.sign_in()) ResetFailuresAfterSuccess(ctx, options, row);
  if (row.verified != true) {
    auto first = FirstVerification(ctx, request, site, challenge, &reply);
    if (auto* error = std::get_if<ApiError>(&first)) return WithError(std::move(reply), *error);
    if (Status st = SetVerified(ctx, row.id); !st.ok()) {
      return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
    }
  }
  return PassChallenge(ctx, options, request, site, challenge, Flag(body, "trustDevice"),
                       std::move(reply));
}

HttpReply SendOtp(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  static const std::vector<FieldSpec> kFields = {{"trustDevice", FieldType::kBoolean, false}};
  const Site site = SiteOf(ctx.config, request);
  auto parsed = ParseBody(request, false);
  const bool no_body = std::holds_alternative<Body>(parsed) && !std::get<Body>(parsed);
  HttpReply reply;
  Body body;
  auto challenge = Start(ctx, request, site, no_body ? nullptr : &kFields, &body, &reply);
  if (!challenge) return reply;
  const std::string otp = keys::NewOtp(ctx.random, static_cast<size_t>(options.otp.digits));
  auto stored = StoreOtp(ctx, options, otp);
  if (!stored.ok()) return WithError(std::move(reply), LoggedFailure(ctx, stored.error()));
  const int64_t now = ctx.clock.NowMs();
  Status st = CreateVerification(ctx, "2fa-otp-" + challenge->key, *stored + ":0",
                                 now + options.otp.period_min * 60 * 1000);
  if (!st.ok()) return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  MailMessage mail;
  mail.to = challenge->user.email;
  mail.kind = "two-factor-otp";
  mail.token = otp;
  mail.created_at_ms = now;
  ctx.mailbox.Send(std::move(mail));
  reply.body = Dump(OrderedJson{{"status", true}});
  return reply;
}

HttpReply VerifyOtp(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto challenge = Start(ctx, request, site, &CodeFields(), &body, &reply);
  if (!challenge) return reply;
  std::optional<Record> record;
  if (challenge->sign_in()) {
    auto locked = LockedRecord(ctx, options, *challenge);
    if (auto* error = std::get_if<ApiError>(&locked)) return WithError(std::move(reply), *error);
    record = std::get<std::optional<Record>>(std::move(locked));
  }
  const std::string identifier = "2fa-otp-" + challenge->key;
  auto consumed = ConsumeVerification(ctx, identifier);
  if (!consumed.ok()) return WithError(std::move(reply), LoggedFailure(ctx, consumed.error()));
  if (!consumed->has_value()) return WithError(std::move(reply), TwoFactorError(400, "OTP_HAS_EXPIRED"));
  const std::string& value = (*consumed)->value;
  const size_t colon = value.find(':');
  const std::string otp = value.substr(0, colon);
  const std::string counter = colon == std::string::npos ? "" : value.substr(colon + 1, value.find(':', colon + 1) - colon - 1);
  int64_t attempts = 0;  // parseInt(counter, 10) || 0
  for (char c : counter) {
    if (c < '0' || c > '9' || attempts > 1000000) break;
    attempts = attempts * 10 + (c - '0');
  }
  if (attempts >= options.otp.allowed_attempts) {
    return WithError(std::move(reply), TwoFactorError(400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE"));
  }
  auto matches = OtpMatches(ctx, options, otp, (*body)["code"].get<std::string>());
  if (!matches.ok()) return WithError(std::move(reply), LoggedFailure(ctx, matches.error()));
  if (!*matches) {
    (void)CreateVerification(ctx, identifier, otp + ":" + std::to_string(attempts + 1),
                             (*consumed)->expires_at_ms);
    if (record) RecordFailure(ctx, options, *record);
    return WithError(std::move(reply), TwoFactorError(401, "INVALID_CODE"));
  }
  if (record) ResetFailuresAfterSuccess(ctx, options, *record);
  if (!Enabled(challenge->user)) {
    if (challenge->sign_in()) return WithError(std::move(reply), ApiError::Custom(400, "FAILED_TO_CREATE_SESSION", "Failed to create session"));
    auto first = FirstVerification(ctx, request, site, *challenge, &reply);
    if (auto* error = std::get_if<ApiError>(&first)) return WithError(std::move(reply), *error);
    auto user = ctx.repo.FindUserById(challenge->user.id);
    if (!user.ok() || !user->has_value()) {
      return WithError(std::move(reply), ApiError{ApiCode::kInternal, ""});
    }
    const auto& session = std::get<std::optional<storage::SessionRow>>(first);
    reply.body = Dump(OrderedJson{{"token", session->token}, {"user", UserJson(**user)}});
    return reply;
  }
  return PassChallenge(ctx, options, request, site, *challenge, Flag(body, "trustDevice"),
                       std::move(reply));
}

HttpReply VerifyBackupCode(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  static const std::vector<FieldSpec> kFields = {{"code", FieldType::kString, true},
                                                 {"disableSession", FieldType::kBoolean, false},
                                                 {"trustDevice", FieldType::kBoolean, false}};
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  Body body;
  auto challenge = Start(ctx, request, site, &kFields, &body, &reply);
  if (!challenge) return reply;
  auto locked = LockedRecord(ctx, options, *challenge);
  if (auto* error = std::get_if<ApiError>(&locked)) return WithError(std::move(reply), *error);
  const auto& record = std::get<std::optional<Record>>(locked);
  if (!record) return WithError(std::move(reply), TwoFactorError(400, "BACKUP_CODES_NOT_ENABLED"));
  auto begun = BeginAttempt(ctx, *challenge, site, 5, &reply);
  if (auto* error = std::get_if<ApiError>(&begun)) return WithError(std::move(reply), *error);
  const Attempt& attempt = std::get<Attempt>(begun);
  auto codes = OpenBackupCodes(ctx, options, record->backup_codes);
  if (!codes.ok()) {
    RestoreAttempt(ctx, attempt);
    return WithError(std::move(reply), LoggedFailure(ctx, codes.error()));
  }
  const std::string code = (*body)["code"].get<std::string>();
  std::vector<std::string> left;
  bool found = false;
  for (const std::string& c : codes->value_or(std::vector<std::string>())) {
    if (c == code) {
      found = true;
    } else {
      left.push_back(c);
    }
  }
  if (!found) {
    RecordAttempt(ctx, attempt);
    if (challenge->sign_in()) RecordFailure(ctx, options, *record);
    return WithError(std::move(reply), TwoFactorError(401, "INVALID_BACKUP_CODE"));
  }
  auto sealed = SealBackupCodes(ctx, options, left);
  if (!sealed.ok()) return WithError(std::move(reply), LoggedFailure(ctx, sealed.error()));
  auto replaced = ReplaceBackupCodes(ctx, record->id, record->backup_codes, *sealed);
  if (!replaced.ok()) return WithError(std::move(reply), LoggedFailure(ctx, replaced.error()));
  if (!*replaced) {
    return WithError(std::move(reply),
                     ApiError::Custom(409, "", "Failed to verify backup code. Please try again."));
  }
  if (challenge->sign_in()) ResetFailuresAfterSuccess(ctx, options, *record);
  if (!Flag(body, "disableSession")) {
    return PassChallenge(ctx, options, request, site, *challenge, Flag(body, "trustDevice"),
                         std::move(reply));
  }
  OrderedJson out = OrderedJson::object();
  if (challenge->session) out["token"] = challenge->session->session.token;
  out["user"] = UserJson(challenge->user);
  reply.body = Dump(out);
  return reply;
}

HttpReply Redirect(AuthContext& ctx, const Options& options, const Site& site, const storage::UserRow& user, bool remember,
                   bool trust_cookie_present) {
  HttpReply reply;
  // What the credential sign-in set before Better Auth's after-hook took it back: the bearer
  // header (its token's session is deleted) and, without rememberMe, dont_remember.
  const std::string dead_token = GenerateId(ctx.random);
  reply.AddHeader("set-auth-token", auth::SignValue(dead_token, ctx.secrets.cookie_secret));
  ExposeHeaders(&reply, {"set-auth-token"});
  if (!remember) {
    reply.AddHeader("Set-Cookie", SetCookieValue(CookieName("dont_remember", site.secure),
                                                 auth::EncodeUriComponent(auth::SignValue(
                                                     "true", ctx.secrets.cookie_secret)),
                                                 std::nullopt, site.secure));
  }
  if (trust_cookie_present) ExpireCookie(site, kTrustDeviceCookie, &reply);
  ExpireCookie(site, "session_token", &reply);
  ExpireCookie(site, "session_data", &reply);
  const int64_t max_age = options.two_factor_cookie_max_age_s;
  const std::string identifier = "2fa-" + keys::RandomString(ctx.random, 20, keys::kUrlAlphabet);
  const int64_t expires = ctx.clock.NowMs() + max_age * 1000;
  Status st = CreateVerification(ctx, identifier, user.id, expires);
  if (st.ok()) st = CreateVerification(ctx, "2fa-attempts-" + identifier, "0", expires);
  if (!st.ok()) return ErrorReply(LoggedFailure(ctx, st.error()));
  SetSignedCookie(ctx, site, kTwoFactorCookie, identifier, max_age, &reply);
  OrderedJson methods = OrderedJson::array();
  if (!options.totp.disable) {
    auto record = FindRecord(ctx, user.id);
    if (!record.ok()) return ErrorReply(LoggedFailure(ctx, record.error()));
    if (*record && (*record)->verified != false) methods.push_back("totp");
  }
  methods.push_back("otp");  // the dev mailbox is sendOTP, always there
  reply.body = Dump(OrderedJson{{"twoFactorRedirect", true}, {"twoFactorMethods", methods}});
  ctx.log.Info("two_factor_challenge", "user=" + user.id);
  return reply;
}

HttpReply CurrentTotp(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  auto email = request.query.find("email");
  if (email == request.query.end() || email->second.empty()) {
    return ErrorReply({ApiCode::kValidationError, "email: expected ?email=ADDRESS"});
  }
  auto users = ctx.repo.FindRows("user", {storage::Where{"email", Lowercase(email->second)}});
  if (!users.ok()) return ErrorReply(LoggedFailure(ctx, users.error()));
  const storage::ColumnValue* id =
      users->empty() ? nullptr : storage::FindColumn(users->front(), "id");
  if (id == nullptr || !std::holds_alternative<std::string>(*id)) {
    return ErrorReply({ApiCode::kValidationError, "email: no such user"});
  }
  auto record = FindRecord(ctx, std::get<std::string>(*id));
  if (!record.ok()) return ErrorReply(LoggedFailure(ctx, record.error()));
  if (!*record) return ErrorReply({ApiCode::kValidationError, "email: the user has no TOTP secret"});
  auto key = OpenSecret(ctx, (*record)->secret);
  if (!key.ok()) return ErrorReply(LoggedFailure(ctx, key.error()));
  const int64_t now = ctx.clock.NowMs();
  return JsonReply(Dump(OrderedJson{{"code", keys::TotpCode(key->view(), now, Params(options))},
                                    {"digits", options.totp.digits},
                                    {"period", options.totp.period_s}}));
}

}  // namespace issuer::server::two_factor
