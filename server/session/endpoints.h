#pragma once

#include <optional>
#include <string>

#include "server/http/types.h"
#include "server/session/context.h"

namespace issuer::server {

// Better Auth's email/password, session, jwt and bearer endpoints, one function per route:
// parse, call, respond. They work on HttpRequest/HttpReply, so they run without sockets.

HttpReply SignUp(AuthContext& ctx, const HttpRequest& request);          // sign_up.cc
HttpReply SignIn(AuthContext& ctx, const HttpRequest& request);          // sign_in.cc
// The end of every password sign-in (sign-in/email, a plugin's sign-in/username) once the
// password checked out: the session (StartSession, so plugins may refuse it or, like
// two-factor, answer instead), Better Auth's {redirect, token, url?, user} and the cookies.
HttpReply CompleteSignIn(AuthContext& ctx, const HttpRequest& request, const Site& site,
                         storage::UserRow user, bool remember,
                         const std::optional<std::string>& callback);        // sign_in.cc
HttpReply SignOut(AuthContext& ctx, const HttpRequest& request);         // sign_out.cc
HttpReply GetSession(AuthContext& ctx, const HttpRequest& request);      // token.cc
// POST /get-session: 405 unless deferSessionRefresh (not supported).
HttpReply PostGetSession(AuthContext& ctx, const HttpRequest& request);  // token.cc
HttpReply Token(AuthContext& ctx, const HttpRequest& request);           // token.cc
HttpReply Jwks(AuthContext& ctx, const HttpRequest& request);            // meta.cc
HttpReply Ok(AuthContext& ctx, const HttpRequest& request);              // meta.cc
HttpReply ErrorPage(AuthContext& ctx, const HttpRequest& request);       // meta.cc

}  // namespace issuer::server
