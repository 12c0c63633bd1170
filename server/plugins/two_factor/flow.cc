#include "server/plugins/two_factor/flow.h"

#include <sodium.h>

#include <algorithm>
#include <map>

#include "keys/encoding.h"
#include "keys/one_time_codes.h"
#include "server/auth/password.h"
#include "server/auth/signed_value.h"
#include "server/http/cookies.h"
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"
#include "server/session/resolve.h"
#include "server/session/session_cookies.h"

namespace issuer::server::two_factor {
namespace {

ApiError InvalidCookie() { return TwoFactorError(401, "INVALID_TWO_FACTOR_COOKIE"); }

// JavaScript's Number(text) for the counter's text: a whole non-negative number, else nullopt.
std::optional<int64_t> WholeNumber(const std::string& text) {
  if (text.empty()) return int64_t{0};  // Number("") is 0
  if (text.size() > 15 || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
  return std::stoll(text);
}

// base64url(HMAC-SHA256(secret, "userId!identifier")) without padding: the trusted-device token.
std::string TrustToken(const AuthContext& ctx, const std::string& user_id,
                       const std::string& identifier) {
  const auth::HmacSha256Digest mac =
      auth::HmacSha256(ctx.secrets.cookie_secret, user_id + "!" + identifier);
  return keys::Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

bool SameText(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

ApiError TwoFactorError(int status, const std::string& code) {
  static const std::map<std::string, std::string> kMessages = {
      {"OTP_NOT_ENABLED", "OTP not enabled"},
      {"OTP_NOT_CONFIGURED", "OTP is not available"},
      {"OTP_HAS_EXPIRED", "OTP has expired"},
      {"TOTP_NOT_ENABLED", "TOTP not enabled"},
      {"TOTP_ALREADY_ENABLED", "TOTP is already enabled"},
      {"TOTP_NOT_CONFIGURED", "TOTP is not available"},
      {"TWO_FACTOR_NOT_ENABLED", "Two factor isn't enabled"},
      {"BACKUP_CODES_NOT_ENABLED", "Backup codes aren't enabled"},
      {"INVALID_BACKUP_CODE", "Invalid backup code"},
      {"INVALID_CODE", "Invalid code"},
      {"TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE", "Too many attempts. Please request a new code."},
      {"ACCOUNT_TEMPORARILY_LOCKED",
       "Too many failed verification attempts. Your account is temporarily locked. Please try "
       "again later."},
      {"INVALID_TWO_FACTOR_COOKIE", "Invalid two factor cookie"},
  };
  auto it = kMessages.find(code);
  return ApiError::Custom(status, code, it == kMessages.end() ? code : it->second);
}

std::variant<Challenge, ApiError> OpenChallenge(AuthContext& ctx, const HttpRequest& request,
                                                const Site& site, HttpReply* reply) {
  SessionResult found = ResolveSession(ctx, request, site, reply);
  if (found.outcome == Lookup::kError) return found.error;
  if (found.outcome == Lookup::kFound) {
    Challenge c;
    c.user = found.found.user;
    c.key = found.found.user.id + "!" + found.found.session.id;
    c.session = std::move(found.found);
    return c;
  }
  auto identifier = SignedCookie(ctx, request, site, kTwoFactorCookie);
  if (!identifier) return InvalidCookie();
  auto row = FindVerification(ctx, *identifier);
  if (!row.ok()) return LoggedFailure(ctx, row.error());
  if (!row->has_value()) return InvalidCookie();
  auto user = ctx.repo.FindUserById((*row)->value);
  if (!user.ok()) return LoggedFailure(ctx, user.error());
  if (!user->has_value()) return InvalidCookie();
  Challenge c;
  c.user = std::move(**user);
  c.key = c.identifier = *identifier;
  c.expires_at_ms = (*row)->expires_at_ms;
  c.dont_remember = SignedCookie(ctx, request, site, "dont_remember").has_value();
  return c;
}

std::variant<Attempt, ApiError> BeginAttempt(AuthContext& ctx, const Challenge& challenge,
                                             const Site& site, int64_t allowed, HttpReply* reply) {
  if (!challenge.sign_in()) return Attempt{};
  Attempt attempt{true, "2fa-attempts-" + challenge.identifier, 0, challenge.expires_at_ms};
  auto consumed = ConsumeVerification(ctx, attempt.identifier);
  if (!consumed.ok() || !consumed->has_value()) return InvalidCookie();  // .catch(() => null)
  attempt.attempts = WholeNumber((*consumed)->value).value_or(allowed);
  if (attempt.attempts < allowed) return attempt;
  auto spent = ConsumeVerification(ctx, challenge.identifier);
  ExpireCookie(site, kTwoFactorCookie, reply);
  if (!spent.ok()) {
    ctx.log.Warn("two_factor_invalidate_failed", "reason=\"" + spent.error().message + "\"");
    return ApiError::Custom(500, "FAILED_TO_INVALIDATE_TWO_FACTOR_CHALLENGE",
                            "Failed to invalidate two-factor challenge");
  }
  return TwoFactorError(400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE");
}

static void Rearm(AuthContext& ctx, const Attempt& attempt, int64_t count) {
  if (!attempt.counted) return;
  // Better Auth ignores a failure here (.catch(() => {})): the challenge then has no counter
  // and its next attempt is refused.
  (void)CreateVerification(ctx, attempt.identifier, std::to_string(count), attempt.expires_at_ms);
}

void RecordAttempt(AuthContext& ctx, const Attempt& attempt) {
  Rearm(ctx, attempt, attempt.attempts + 1);
}

void RestoreAttempt(AuthContext& ctx, const Attempt& attempt) {
  Rearm(ctx, attempt, attempt.attempts);
}

std::optional<ApiError> CheckNotLocked(AuthContext& ctx, const Options& options,
                                       const Record& record) {
  if (!options.lockout.enabled || !record.locked_until_ms) return std::nullopt;
  if (*record.locked_until_ms > ctx.clock.NowMs()) {
    return TwoFactorError(429, "ACCOUNT_TEMPORARILY_LOCKED");
  }
  if (Status st = ResetFailures(ctx, record.id, /*only_expired_lock=*/true); !st.ok()) {
    return LoggedFailure(ctx, st.error());
  }
  return std::nullopt;
}

void RecordFailure(AuthContext& ctx, const Options& options, const Record& record) {
  if (!options.lockout.enabled) return;
  auto count = IncrementFailures(ctx, record.id);
  if (!count.ok()) {
    ctx.log.Warn("two_factor_count_failed", "reason=\"" + count.error().message + "\"");
    return;
  }
  if (*count < options.lockout.max_failed_attempts) return;
  const int64_t until = ctx.clock.NowMs() + options.lockout.duration_s * 1000;
  if (Status st = LockUntil(ctx, record.id, options.lockout.max_failed_attempts, until); !st.ok()) {
    ctx.log.Warn("two_factor_lock_failed", "reason=\"" + st.error().message + "\"");
  }
}

void ResetFailuresAfterSuccess(AuthContext& ctx, const Options& options, const Record& record) {
  if (!options.lockout.enabled) return;
  if (Status st = ResetFailures(ctx, record.id, false); !st.ok()) {
    ctx.log.Warn("two_factor_reset_failed", "reason=\"" + st.error().message + "\"");
  }
}

static std::string TokenAndUser(const std::string& token, const storage::UserRow& user) {
  return Dump(OrderedJson{{"token", token}, {"user", UserJson(user)}});
}

HttpReply PassChallenge(AuthContext& ctx, const Options& options, const HttpRequest& request,
                        const Site& site, const Challenge& challenge, bool trust_device,
                        HttpReply reply) {
  if (!challenge.sign_in()) {
    reply.body = TokenAndUser(challenge.session->session.token, challenge.session->user);
    return reply;
  }
  auto consumed = ConsumeVerification(ctx, challenge.identifier);
  if (!consumed.ok()) return WithError(std::move(reply), LoggedFailure(ctx, consumed.error()));
  if (!consumed->has_value() || (*consumed)->value != challenge.user.id) {
    ExpireCookie(site, kTwoFactorCookie, &reply);
    return WithError(std::move(reply), InvalidCookie());
  }
  storage::UserRow user = challenge.user;
  const bool remember = !challenge.dont_remember;
  auto started = StartSession(ctx, &user, request, remember);  // a ban refuses it here
  if (auto* refused = std::get_if<ApiError>(&started)) return WithError(std::move(reply), *refused);
  const storage::SessionRow& session = std::get<storage::SessionRow>(started);
  if (Status st = ctx.repo.InsertSession(session); !st.ok()) {
    return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  }
  SetSessionCookies(ctx, session, remember, site, &reply);
  ExpireCookie(site, kTwoFactorCookie, &reply);
  if (trust_device) {
    if (auto error = TrustDevice(ctx, options, site, user.id, &reply)) {
      return WithError(std::move(reply), *error);
    }
    ExpireCookie(site, "dont_remember", &reply);
  }
  AddBearerToken(site, &reply);
  reply.body = TokenAndUser(session.token, challenge.user);
  ctx.log.Info("two_factor_passed", "user=" + user.id);
  return reply;
}

std::variant<storage::SessionRow, ApiError> RotateSession(AuthContext& ctx,
                                                          const HttpRequest& request,
                                                          const Site& site,
                                                          const storage::SessionRow& old,
                                                          storage::UserRow user,
                                                          HttpReply* reply) {
  auto started = StartSession(ctx, &user, request, /*remember=*/true);
  if (auto* refused = std::get_if<ApiError>(&started)) return *refused;
  storage::SessionRow session = std::get<storage::SessionRow>(std::move(started));
  session.ip_address = old.ip_address;
  session.user_agent = old.user_agent;
  std::vector<storage::ExtraColumn> extra = old.extra;  // the override's columns, then the hooks'
  for (auto& column : session.extra) {
    auto same = [&](const storage::ExtraColumn& c) { return c.name == column.name; };
    auto it = std::find_if(extra.begin(), extra.end(), same);
    if (it == extra.end()) {
      extra.push_back(std::move(column));
    } else {
      *it = std::move(column);
    }
  }
  session.extra = std::move(extra);
  if (Status st = ctx.repo.InsertSession(session); !st.ok()) return LoggedFailure(ctx, st.error());
  RenewSessionCookie(ctx, request, site, session, reply);
  if (Status st = ctx.repo.DeleteSession(old.token); !st.ok()) {
    return LoggedFailure(ctx, st.error());
  }
  AddBearerToken(site, reply);
  return session;
}

void ExpireCookie(const Site& site, const std::string& suffix, HttpReply* reply) {
  const std::string prefix = CookieName(suffix, site.secure) + "=";
  auto& headers = reply->headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) {
                                 return h.first == "Set-Cookie" && h.second.rfind(prefix, 0) == 0;
                               }),
                headers.end());
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName(suffix, site.secure), "", 0, site.secure));
}

void SetSignedCookie(const AuthContext& ctx, const Site& site, const std::string& suffix,
                     const std::string& value, int64_t max_age_s, HttpReply* reply) {
  const std::string signed_value =
      auth::EncodeUriComponent(auth::SignValue(value, ctx.secrets.cookie_secret));
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName(suffix, site.secure), signed_value,
                                                max_age_s, site.secure));
}

std::optional<std::string> SignedCookie(const AuthContext& ctx, const HttpRequest& request,
                                        const Site& site, const std::string& suffix) {
  auto header = request.Header("cookie");
  if (!header) return std::nullopt;
  auto value = FindCookie(*header, CookieName(suffix, site.secure));
  if (!value) return std::nullopt;
  return auth::VerifySignedValue(*value, ctx.secrets.cookie_secret);
}

TrustValue SplitTrust(const std::string& value) {
  const size_t bang = value.find('!');
  if (bang == std::string::npos) return {value, ""};
  return {value.substr(0, bang), value.substr(bang + 1, value.find('!', bang + 1) - bang - 1)};
}

std::variant<Trust, ApiError> ReadTrust(AuthContext& ctx, const HttpRequest& request,
                                        const Site& site, const std::string& user_id) {
  Trust trust;
  auto value = SignedCookie(ctx, request, site, kTrustDeviceCookie);
  if (!value) return trust;
  trust.present = true;
  const auto [token, identifier] = SplitTrust(*value);
  if (token.empty() || identifier.empty()) return trust;
  if (!SameText(token, TrustToken(ctx, user_id, identifier))) return trust;
  auto row = FindVerification(ctx, identifier);
  if (!row.ok()) return LoggedFailure(ctx, row.error());
  if (row->has_value() && (*row)->value == user_id && (*row)->expires_at_ms > ctx.clock.NowMs()) {
    trust.identifier = identifier;
  }
  return trust;
}

std::optional<ApiError> TrustDevice(AuthContext& ctx, const Options& options, const Site& site,
                                    const std::string& user_id, HttpReply* reply) {
  const std::string identifier =
      "trust-device-" + keys::RandomString(ctx.random, 32, keys::kUrlAlphabet);
  const int64_t max_age = options.trust_device_max_age_s;
  Status st = CreateVerification(ctx, identifier, user_id, ctx.clock.NowMs() + max_age * 1000);
  if (!st.ok()) return LoggedFailure(ctx, st.error());
  SetSignedCookie(ctx, site, kTrustDeviceCookie,
                  TrustToken(ctx, user_id, identifier) + "!" + identifier, max_age, reply);
  return std::nullopt;
}

std::optional<ApiError> CheckPassword(AuthContext& ctx, const Options& options,
                                      const std::string& user_id,
                                      const std::optional<std::string>& password) {
  std::optional<std::string> stored;
  auto hash = CredentialHash(ctx, user_id);
  if (auto* error = std::get_if<ApiError>(&hash)) {
    if (error->code != ApiCode::kCredentialAccountNotFound) return *error;
  } else {
    stored = std::get<std::string>(hash);
  }
  if (options.allow_passwordless && !stored) return std::nullopt;  // shouldRequirePassword
  if (!password || password->empty()) return ApiError{ApiCode::kInvalidPassword, ""};
  if (auth::Utf16Length(*password) > ctx.config.max_password_length) {
    return ApiError{ApiCode::kPasswordTooLong, ""};
  }
  if (!stored) return ApiError{ApiCode::kInvalidPassword, ""};
  auto match = ctx.passwords.Verify(*password, *stored);
  if (!match.ok()) return FromError(match.error());
  if (!*match) return ApiError{ApiCode::kInvalidPassword, ""};
  return std::nullopt;
}

}  // namespace issuer::server::two_factor
