#pragma once

#include "server/http/types.h"
#include "server/plugins/two_factor/options.h"
#include "server/session/context.h"

namespace issuer::server::two_factor {

// The plugin's endpoints, one function per route (POST /two-factor/...), as Better Auth 1.7.25
// answers them.
using Endpoint = HttpReply (*)(AuthContext&, const Options&, const HttpRequest&);

HttpReply Enable(AuthContext& ctx, const Options& options, const HttpRequest& request);
HttpReply Disable(AuthContext& ctx, const Options& options, const HttpRequest& request);
HttpReply GetTotpUri(AuthContext& ctx, const Options& options, const HttpRequest& request);
HttpReply GenerateBackupCodes(AuthContext& ctx, const Options& options,
                              const HttpRequest& request);
HttpReply VerifyTotp(AuthContext& ctx, const Options& options, const HttpRequest& request);
HttpReply SendOtp(AuthContext& ctx, const Options& options, const HttpRequest& request);
HttpReply VerifyOtp(AuthContext& ctx, const Options& options, const HttpRequest& request);
HttpReply VerifyBackupCode(AuthContext& ctx, const Options& options, const HttpRequest& request);
// GET /__test/totp?email= (test API only): {"code"} the user's current TOTP code.
HttpReply CurrentTotp(AuthContext& ctx, const Options& options, const HttpRequest& request);

// The sign-in answer for a user whose second factor is still due: {twoFactorRedirect,
// twoFactorMethods}, no session cookie, the challenge's rows and its two_factor cookie.
HttpReply Redirect(AuthContext& ctx, const Options& options, const Site& site, const storage::UserRow& user, bool remember,
                   bool trust_cookie_present);

}  // namespace issuer::server::two_factor
