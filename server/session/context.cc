#include "server/session/context.h"

#include "server/http/client_ip.h"
#include "server/http/url.h"

namespace issuer::server {

Site SiteOf(const Config& config, const HttpRequest& request) {
  if (!config.base_origin.empty()) {
    return {config.base_origin, config.base_origin.rfind("https://", 0) == 0};
  }
  // No base URL: Better Auth uses each request's own origin, http:// + its Host.
  std::optional<std::string> origin;
  if (auto host = request.Header("host")) origin = OriginFromHost(*host, false);
  return {origin.value_or("http://" + config.host + ":" + std::to_string(config.port)),
          config.production()};
}

ApiError LoggedFailure(AuthContext& ctx, const Error& error) {
  const bool transient = error.code == Errc::kUnavailable;
  ctx.log.Warn(transient ? "unavailable" : "internal_error", "reason=\"" + error.message + "\"");
  return FromError(error);
}

std::string ClientIp(const Config& config, const HttpRequest& request) {
  if (config.client_ip.disabled) return "";
  if (auto ip = ClientAddress(request, config.client_ip)) return *ip;
  return config.development_or_test() ? "127.0.0.1" : "";
}

}  // namespace issuer::server
