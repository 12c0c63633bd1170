#pragma once

#include "server/http/types.h"
#include "server/session/context.h"

namespace issuer::server {

// Better Auth's email/password, session, jwt and bearer endpoints, one function per route:
// parse, call, respond. They work on HttpRequest/HttpReply, so they run without sockets.

HttpReply SignUp(AuthContext& ctx, const HttpRequest& request);          // sign_up.cc
HttpReply SignIn(AuthContext& ctx, const HttpRequest& request);          // sign_in.cc
HttpReply SignOut(AuthContext& ctx, const HttpRequest& request);         // sign_out.cc
HttpReply GetSession(AuthContext& ctx, const HttpRequest& request);      // token.cc
// POST /get-session: 405 unless deferSessionRefresh (not supported).
HttpReply PostGetSession(AuthContext& ctx, const HttpRequest& request);  // token.cc
HttpReply Token(AuthContext& ctx, const HttpRequest& request);           // token.cc
HttpReply Jwks(AuthContext& ctx, const HttpRequest& request);            // meta.cc
HttpReply Ok(AuthContext& ctx, const HttpRequest& request);              // meta.cc
HttpReply ErrorPage(AuthContext& ctx, const HttpRequest& request);       // meta.cc

}  // namespace issuer::server
