#include "server/console/changes.h"

namespace issuer::server::console {
namespace {

bool SetsCookie(const HttpReply& reply) {
  for (const auto& [name, value] : reply.headers) {
    if (name == "Set-Cookie") return true;
  }
  return false;
}

}  // namespace

void ChangeCounter::Observe(const HttpRequest& request, const HttpReply& reply) {
  if (reply.status >= 400) return;
  if (request.method != "GET" || SetsCookie(reply)) version_.fetch_add(1);
}

uint64_t ChangeCounter::Version(AuthContext& ctx) {
  auto data_version = ctx.repo.DataVersion();
  auto jwks = ctx.keys.CurrentJwks();
  std::lock_guard<std::mutex> lock(mu_);
  bool moved = false;
  if (data_version.ok() && *data_version != data_version_) {
    moved = data_version_ != -1;
    data_version_ = *data_version;
  }
  if (jwks.ok() && jwks->etag != jwks_etag_) {
    moved = moved || !jwks_etag_.empty();
    jwks_etag_ = jwks->etag;
  }
  if (moved) version_.fetch_add(1);
  return version_.load();
}

std::vector<Route> WithChangeCount(std::vector<Route> routes,
                                   std::shared_ptr<ChangeCounter> counter) {
  for (Route& route : routes) {
    route.handler = [inner = std::move(route.handler), counter](const HttpRequest& request) {
      HttpReply reply = inner(request);
      counter->Observe(request, reply);
      return reply;
    };
  }
  return routes;
}

}  // namespace issuer::server::console
