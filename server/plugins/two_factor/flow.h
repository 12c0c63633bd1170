#pragma once

#include <optional>
#include <string>
#include <variant>

#include "server/http/types.h"
#include "server/plugins/two_factor/options.h"
#include "server/plugins/two_factor/store.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server::two_factor {

// The steps the two-factor routes share, as verify-two-factor.mjs and index.mjs take them.

inline constexpr char kTwoFactorCookie[] = "two_factor";
inline constexpr char kTrustDeviceCookie[] = "trust_device";

// TWO_FACTOR_ERROR_CODES (error-code.mjs): the message of each code.
ApiError TwoFactorError(int status, const std::string& code);

// What verifyTwoFactor resolves: the request's session (a signed-in user managing two-factor),
// or, with none, the pending sign-in named by the signed two_factor cookie.
struct Challenge {
  storage::UserRow user;
  std::optional<storage::SessionWithUser> session;  // nullopt: a sign-in's second factor
  std::string key;          // the OTP's key: the cookie's identifier, or "userId!sessionId"
  std::string identifier;   // sign-in: the verification identifier ("2fa-...")
  int64_t expires_at_ms = 0;  // sign-in: when the challenge expires
  bool dont_remember = false;  // sign-in: a valid dont_remember cookie came with it
  bool sign_in() const { return !session.has_value(); }
};

// verifyTwoFactor: 401 INVALID_TWO_FACTOR_COOKIE when there is neither a session nor a live
// challenge. Cookies the session lookup sets go into `reply`.
std::variant<Challenge, ApiError> OpenChallenge(AuthContext& ctx, const HttpRequest& request,
                                                const Site& site, HttpReply* reply);

// The sign-in's attempt counter (beginAttempt): consumed now, re-armed by Record (one more
// failure) or Restore (unchanged). A challenge past `allowed` attempts is spent: 400
// TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE and the cookie expired. Nothing for a session.
struct Attempt {
  bool counted = false;
  std::string identifier;
  int64_t attempts = 0;
  int64_t expires_at_ms = 0;
};
std::variant<Attempt, ApiError> BeginAttempt(AuthContext& ctx, const Challenge& challenge,
                                             const Site& site, int64_t allowed, HttpReply* reply);
void RecordAttempt(AuthContext& ctx, const Attempt& attempt);
void RestoreAttempt(AuthContext& ctx, const Attempt& attempt);

// The account lockout across challenges (assertTwoFactorNotLocked, recordTwoFactorFailure,
// resetTwoFactorFailures): 429 ACCOUNT_TEMPORARILY_LOCKED while locked.
std::optional<ApiError> CheckNotLocked(AuthContext& ctx, const Options& options,
                                       const Record& record);
void RecordFailure(AuthContext& ctx, const Options& options, const Record& record);
void ResetFailuresAfterSuccess(AuthContext& ctx, const Options& options, const Record& record);

// The challenge passed (valid): a sign-in gets its session (StartSession: a ban still refuses
// it), the cookies and, with trustDevice, the trusted-device cookie; a session answers as it
// is. The body is {token, user}.
HttpReply PassChallenge(AuthContext& ctx, const Options& options, const HttpRequest& request,
                        const Site& site, const Challenge& challenge, bool trust_device,
                        HttpReply reply);

// createSession(user, false, activeSession) + setSessionCookie + deleteSession(old): a new
// session with the old one's request columns, the cookies for it, and the old one gone.
// Returns the new session.
std::variant<storage::SessionRow, ApiError> RotateSession(AuthContext& ctx,
                                                          const HttpRequest& request,
                                                          const Site& site,
                                                          const storage::SessionRow& old,
                                                          storage::UserRow user,
                                                          HttpReply* reply);

// expireCookie: earlier Set-Cookie lines of that cookie are dropped, then a Max-Age=0 one added.
void ExpireCookie(const Site& site, const std::string& suffix, HttpReply* reply);
// A signed cookie (better-call setSignedCookie) with Max-Age.
void SetSignedCookie(const AuthContext& ctx, const Site& site, const std::string& suffix,
                     const std::string& value, int64_t max_age_s, HttpReply* reply);
// The verified value of the signed cookie `suffix`, or nullopt.
std::optional<std::string> SignedCookie(const AuthContext& ctx, const HttpRequest& request,
                                        const Site& site, const std::string& suffix);

// A trusted-device cookie's value "token!identifier" (JavaScript's split("!")[0] and [1]).
struct TrustValue {
  std::string token;
  std::string identifier;
};
TrustValue SplitTrust(const std::string& value);

// The trusted-device cookie: its identifier when it is signed, carries
// base64url(HMAC-SHA256(secret, userId!identifier)) and its verification row names the user
// and is live. `present` says whether a signed cookie came at all.
struct Trust {
  bool present = false;
  std::optional<std::string> identifier;  // set when the device is trusted
};
std::variant<Trust, ApiError> ReadTrust(AuthContext& ctx, const HttpRequest& request,
                                        const Site& site, const std::string& user_id);
// A new trusted-device identifier for the user: its verification row and its cookie.
std::optional<ApiError> TrustDevice(AuthContext& ctx, const Options& options, const Site& site,
                                    const std::string& user_id, HttpReply* reply);

// shouldRequirePassword + validatePassword/checkPassword: nullopt when the password (or, for
// allowPasswordless users without a credential password, none) is accepted.
std::optional<ApiError> CheckPassword(AuthContext& ctx, const Options& options,
                                      const std::string& user_id,
                                      const std::optional<std::string>& password);

}  // namespace issuer::server::two_factor
