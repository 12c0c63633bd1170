#pragma once

#include <memory>
#include <vector>

#include "server/console/changes.h"
#include "server/http/route.h"
#include "server/session/context.h"

namespace issuer::server::console {

// The dev console (--console, or --test-api): one page, embedded in the binary, over JSON
// routes under /__test. Every route answers loopback peers only (404 to anyone else, as for a
// path that does not exist) and refuses pages of untrusted origins (403), as the test API does;
// the flags that turn it on are refused with NODE_ENV=production and a non-loopback --host.
//
// The page (CSP default-src 'self': no request leaves the server):
//   GET /__console, /__console/          index.html
//   GET /__console/<file>                console.css, console.js; any other name: 404
// Users:
//   GET  /__test/users?search=&limit=    {users: [user], total}, newest first; search: a part
//                                        of the email or name (case-insensitive for ASCII)
//   POST /__test/users                   {email, name?, password?, emailVerified?, ...fields}
//                                        -> {user}; 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL
//   GET  /__test/users/detail?id=        {user, sessions: [session], accounts: [account]}
//   POST /__test/users/update            {id, name?, emailVerified?} -> {user}
//   POST /__test/users/delete            {id} -> {success: true} (its sessions and accounts go)
//   POST /__test/users/sign-in-as        {id} -> {user, session} and the session cookie
//                                        (Set-Cookie, as sign-in sets it)
// Sessions (never their tokens):
//   GET  /__test/sessions?userId=&limit= {sessions: [session], now}, newest first
//   POST /__test/sessions/revoke         {id} | {userId} | {all: true} -> {success, revoked}
// Keys:
//   GET  /__test/keys                    {now, keys: [key], gracePeriod, leadTime,
//                                        rotationInterval}
//   POST /__test/keys/rotate             {now?: false} -> {kid, signsAt, ...GET's answer}: a new
//                                        key, published at once as a standby that signs after
//                                        the lead time; with now: true it signs at once and
//                                        the active key retires (as `keys rotate`)
//   POST /__test/keys/revoke             {kid, rotate?: false} -> {revoked, replacement, ...}
// Tokens:
//   POST /__test/verify                  {token} -> {header, claims, kid, alg, signature,
//                                        valid, problems: [{code, message}], now}: the
//                                        server's verdict against the JWKS it serves and its
//                                        clock
//   GET  /__test/info                    {version, basePath, baseURL, issuer, audience,
//                                        jwksPath, alg, tokenKinds, session, console}
// Live:
//   GET  /__test/changes                 {version}: a number that grows on every change the
//                                        console shows (ChangeCounter)
// `ctx` must outlive the routes; they share `changes`, which the wiring also shows every other
// route's answers (WithChangeCount).
std::vector<Route> ConsoleRoutes(AuthContext& ctx, std::shared_ptr<ChangeCounter> changes);

// The page's routes alone (GET /__console...).
std::vector<Route> PageRoutes(AuthContext& ctx);

}  // namespace issuer::server::console
