// GET /__console and its files: the console's page, as embedded at build time.
#include "server/console/api_support.h"
#include "server/console/assets.h"
#include "server/console/console.h"

namespace issuer::server::console {
namespace {

constexpr char kPrefix[] = "/__console/";

// The page loads nothing from elsewhere, runs only its own script and cannot be framed.
// Inline styles set from script (CSSOM) are not blocked by style-src; inline <style> and
// style="" attributes are, and the page has none.
constexpr char kPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'";

HttpReply AssetReply(const Asset* asset) {
  if (asset == nullptr) return HttpReply{404, "", "", {}};
  HttpReply reply;
  reply.body = std::string(asset->body);
  reply.content_type = std::string(asset->content_type);
  reply.AddHeader("Content-Security-Policy", kPolicy);
  reply.AddHeader("X-Content-Type-Options", "nosniff");
  reply.AddHeader("X-Frame-Options", "DENY");
  reply.AddHeader("Referrer-Policy", "no-referrer");
  reply.AddHeader("Cache-Control", "no-store");
  return reply;
}

HttpReply Index(const HttpRequest&) { return AssetReply(FindAsset("index.html")); }

HttpReply File(const HttpRequest& request) {
  return AssetReply(FindAsset(std::string_view(request.path).substr(sizeof kPrefix - 1)));
}

}  // namespace

std::vector<Route> PageRoutes(AuthContext& ctx) {
  std::vector<Route> routes = {Guarded(ctx, "GET", "/__console", &Index),
                               Guarded(ctx, "GET", kPrefix, &Index),
                               Guarded(ctx, "GET", kPrefix, &File)};
  routes.back().param = true;  // /__console/<file>
  return routes;
}

}  // namespace issuer::server::console
