// GET /jwks, GET /ok and GET /error.
#include "common/text.h"
#include "server/http/reply.h"
#include "server/session/endpoints.h"
#include "server/session/render.h"

namespace issuer::server {
namespace {

// RFC 9110 §13.1.2: If-None-Match is "*" or a list of entity tags, compared weakly.
bool MatchesEtag(const std::string& if_none_match, const std::string& etag) {
  size_t start = 0;
  while (start <= if_none_match.size()) {
    const size_t comma = if_none_match.find(',', start);
    std::string_view tag = TrimView(std::string_view(if_none_match).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

HttpReply Jwks(AuthContext& ctx, const HttpRequest& request) {
  auto jwks = ctx.keys.CurrentJwks();
  if (!jwks.ok()) return ErrorReply(FromError(jwks.error()));
  HttpReply reply;
  reply.AddHeader("Cache-Control",
                  "public, max-age=" + std::to_string(ctx.keys.policy().lead_time_ms / 1000));
  reply.AddHeader("ETag", jwks->etag);
  auto if_none_match = request.Header("if-none-match");
  if (if_none_match && MatchesEtag(*if_none_match, jwks->etag)) {
    reply.status = 304;
    return reply;
  }
  reply.body = *jwks->body;
  return reply;
}

HttpReply Ok(AuthContext&, const HttpRequest&) { return JsonReply("{\"ok\":true}"); }

HttpReply ErrorPage(AuthContext&, const HttpRequest&) {
  HttpReply reply;
  reply.content_type = "text/html";
  reply.body =
      "<!DOCTYPE html><html><head><title>Error</title></head>"
      "<body><h1>Something went wrong</h1><p>Please try again.</p></body></html>";
  return reply;
}

}  // namespace issuer::server
