// GET /token and GET /get-session: the session and the JWT minted for it (jwt plugin).
#include "server/http/reply.h"
#include "server/session/endpoints.h"
#include "server/session/jwt.h"
#include "server/session/render.h"
#include "server/session/resolve.h"
#include "server/session/session_cookies.h"

namespace issuer::server {
namespace {

void NoStore(HttpReply* reply) {
  reply->AddHeader("Cache-Control", "no-store");
  reply->AddHeader("Pragma", "no-cache");
}

}  // namespace

HttpReply GetSession(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  NoStore(&reply);
  SessionResult result = ResolveSession(ctx, request, site, &reply);
  if (result.outcome == Lookup::kError) return WithError(std::move(reply), result.error);
  if (result.outcome == Lookup::kNone) {
    reply.body = "null";
    return reply;
  }
  auto jwt = MintToken(ctx, result.found, site);
  if (!jwt.ok()) return WithError(std::move(reply), LoggedFailure(ctx, jwt.error()));
  reply.body = Dump(
      {{"session", SessionJson(result.found.session)}, {"user", UserJson(result.found.user)}});
  reply.AddHeader("set-auth-jwt", *jwt);
  ExposeHeaders(&reply, {"set-auth-jwt"});
  AddBearerToken(site, &reply);
  return reply;
}

HttpReply PostGetSession(AuthContext&, const HttpRequest&) {
  HttpReply reply = ErrorReply({ApiCode::kDeferSessionRequired, ""});
  NoStore(&reply);
  return reply;
}

HttpReply Token(AuthContext& ctx, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  HttpReply reply;
  SessionResult result = ResolveSession(ctx, request, site, &reply);
  if (result.outcome == Lookup::kError) return WithError(std::move(reply), result.error);
  if (result.outcome == Lookup::kNone) {
    return WithError(std::move(reply), {ApiCode::kUnauthorized, ""});
  }
  auto jwt = MintToken(ctx, result.found, site);
  if (!jwt.ok()) return WithError(std::move(reply), LoggedFailure(ctx, jwt.error()));
  // {"token":"<jwt>"} as Dump writes it: a compact JWS is base64url and dots, nothing to escape.
  reply.body = "{\"token\":\"" + *jwt + "\"}";
  AddBearerToken(site, &reply);
  return reply;
}

}  // namespace issuer::server
