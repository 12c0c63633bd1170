// POST /sign-out: Better Auth's signOut.
#include <variant>

#include "server/http/reply.h"
#include "server/http/request_body.h"
#include "server/session/endpoints.h"
#include "server/session/login_checks.h"
#include "server/session/render.h"
#include "server/session/resolve.h"
#include "server/session/session_cookies.h"

namespace issuer::server {

HttpReply SignOut(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  auto parsed = ParseBody(request, /*allow_form=*/false);
  if (auto* error = std::get_if<ApiError>(&parsed)) return ErrorReply(*error);
  if (auto error = CheckOrigins(ctx, request, site, nullptr)) return ErrorReply(*error);
  if (auto credential = ReadCredential(ctx, request, site)) {
    Status st = ctx.repo.DeleteSession(credential->token);
    if (!st.ok()) return ErrorReply(LoggedFailure(ctx, st.error()));
  }
  HttpReply reply = JsonReply(Dump({{"success", true}}));
  ClearSessionCookies(site, &reply);
  return reply;
}

}  // namespace issuer::server
