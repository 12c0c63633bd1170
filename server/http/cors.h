#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/http/origin_check.h"
#include "server/http/route.h"
#include "server/http/types.h"

namespace issuer::server {

// CORS for browser pages of trusted origins on another port or host (a Vite or Next.js dev
// server). Only an Origin that is trusted (exactly, or by one of Better Auth's wildcard
// patterns) and not the server's own gets Access-Control-Allow-Origin (that origin, never "*"),
// Allow-Credentials and Expose-Headers (set-auth-jwt, set-auth-token); anything else gets no
// CORS header. Every answer carries Vary: Origin. Better Auth itself leaves CORS to its host
// framework; this is what such a framework is configured to do. Thread-safe.
class Cors {
 public:
  // `own_origin`: the server's origin for a request (the base URL's, or its Host's).
  Cors(const TrustedOrigins& trusted, std::function<std::string(const HttpRequest&)> own_origin)
      : trusted_(trusted), own_origin_(std::move(own_origin)) {}

  // Adds the CORS headers `request` earns to `reply`.
  void Apply(const HttpRequest& request, HttpReply* reply) const;

  // The answer to a preflight (OPTIONS) for a path whose routes take `methods` ("GET, POST"):
  // 204 with the CORS headers, or 404 with no body, as Better Auth answers OPTIONS, when the
  // origin earns none.
  HttpReply Preflight(const HttpRequest& request, const std::string& methods) const;

 private:
  // The Origin header when it is trusted, cross-origin and already in serialised form.
  std::optional<std::string> AllowedOrigin(const HttpRequest& request) const;

  const TrustedOrigins& trusted_;
  std::function<std::string(const HttpRequest&)> own_origin_;
};

// `routes` with every answer passed through cors.Apply, plus an OPTIONS route (the preflight)
// for each path. `cors` must outlive the routes.
std::vector<Route> WithCors(std::vector<Route> routes, const Cors& cors);

}  // namespace issuer::server
