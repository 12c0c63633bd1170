#pragma once

#include "server/http/types.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server {

// The rest of Better Auth's email/password API (issue 10), one function per route, as in
// endpoints.h.

HttpReply ListSessions(AuthContext& ctx, const HttpRequest& request);         // session_list.cc
HttpReply RevokeSession(AuthContext& ctx, const HttpRequest& request);        // session_list.cc
HttpReply RevokeSessions(AuthContext& ctx, const HttpRequest& request);       // session_list.cc
HttpReply RevokeOtherSessions(AuthContext& ctx, const HttpRequest& request);  // session_list.cc
HttpReply UpdateUser(AuthContext& ctx, const HttpRequest& request);           // profile.cc
HttpReply ListAccounts(AuthContext& ctx, const HttpRequest& request);         // profile.cc
HttpReply DeleteUser(AuthContext& ctx, const HttpRequest& request);           // profile.cc
HttpReply ChangePassword(AuthContext& ctx, const HttpRequest& request);       // password_change.cc
HttpReply RequestPasswordReset(AuthContext& ctx, const HttpRequest& request);  // password_reset.cc
// GET /reset-password/:token (the token is the last path segment).
HttpReply ResetPasswordCallback(AuthContext& ctx, const HttpRequest& request);  // password_reset.cc
HttpReply ResetPassword(AuthContext& ctx, const HttpRequest& request);          // password_reset.cc
HttpReply SendVerificationEmail(AuthContext& ctx, const HttpRequest& request);  // email_verification.cc
HttpReply VerifyEmail(AuthContext& ctx, const HttpRequest& request);            // email_verification.cc

// Mails `user` a verification link (sign-up's sendOnSignUp, send-verification-email), its
// callbackURL `callback` ("/" when empty).
void MailVerificationLink(AuthContext& ctx, const Site& site, const storage::UserRow& user,
                          const std::string& callback);

}  // namespace issuer::server
