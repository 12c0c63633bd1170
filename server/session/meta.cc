// GET /jwks, GET /ok and GET /error.
#include "server/http/reply.h"
#include "server/session/endpoints.h"
#include "server/session/render.h"

namespace issuer::server {

HttpReply Jwks(AuthContext& ctx, const HttpRequest&) {
  auto jwks = ctx.keys.JwksJson();
  if (!jwks.ok()) return ErrorReply(FromError(jwks.error()));
  return JsonReply(std::move(*jwks));
}

HttpReply Ok(AuthContext&, const HttpRequest&) { return JsonReply(Dump({{"ok", true}})); }

HttpReply ErrorPage(AuthContext&, const HttpRequest&) {
  HttpReply reply;
  reply.content_type = "text/html";
  reply.body =
      "<!DOCTYPE html><html><head><title>Error</title></head>"
      "<body><h1>Something went wrong</h1><p>Please try again.</p></body></html>";
  return reply;
}

}  // namespace issuer::server
