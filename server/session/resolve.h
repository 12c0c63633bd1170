#pragma once

#include <optional>
#include <string>

#include "server/http/api_error.h"
#include "server/http/types.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server {

// A session credential whose signature checked out.
struct Credential {
  std::string token;           // the session token
  bool dont_remember = false;  // a valid dont_remember cookie came with it
};

// The bearer plugin's Authorization header ("Bearer <token.sig>" or a raw token) if present,
// else the signed session_token cookie. nullopt when neither carries a valid credential.
std::optional<Credential> ReadCredential(const AuthContext& ctx, const HttpRequest& request,
                                         const Site& site);

enum class Lookup { kNone, kFound, kError };
struct SessionResult {
  Lookup outcome = Lookup::kNone;
  storage::SessionWithUser found;              // kFound
  ApiError error{ApiCode::kInternal, ""};      // kError
};

// Better Auth's getSession: finds the session of the request's credential. An unknown token
// clears the cookies; an expired session is deleted and clears them; a live one may be
// refreshed (updateAge), which sets the cookies again. Cookies go into `reply`.
SessionResult ResolveSession(AuthContext& ctx, const HttpRequest& request, const Site& site,
                             HttpReply* reply);

}  // namespace issuer::server
