#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json_fwd.hpp"
#include "server/http/api_error.h"
#include "server/http/types.h"

namespace issuer::server {

// Better Auth's trusted origins: the base URL's origin plus configured patterns, which may
// hold wildcards ("*.example.com", "https://*.x.com").
class TrustedOrigins {
 public:
  explicit TrustedOrigins(std::vector<std::string> patterns);

  // True if `url`'s origin is `base_origin` or matches a pattern. With `allow_relative`, a
  // same-site path such as "/dashboard" is trusted too.
  bool IsTrusted(std::string_view url, std::string_view base_origin,
                 bool allow_relative = false) const;

 private:
  std::vector<std::string> exact_;     // normalised origins
  std::vector<std::string> wildcard_;  // patterns with '*'
};

// Better Auth's origin-check middleware (compat spec §5): a state-changing request that carries
// a Cookie header needs a trusted Origin (or Referer). GET, HEAD and OPTIONS pass. Runs before
// body validation.
std::optional<ApiError> CheckCookieOrigin(const HttpRequest& request,
                                          const TrustedOrigins& trusted,
                                          std::string_view base_origin);

// Better Auth's formCsrfMiddleware for sign-in and sign-up, after body validation and only
// without a Cookie header: Fetch-Metadata cross-site navigations are refused, and any
// Sec-Fetch-*, Origin or Referer header means the origin must be trusted.
std::optional<ApiError> CheckLoginCsrf(const HttpRequest& request, const TrustedOrigins& trusted,
                                       std::string_view base_origin);

// callbackURL in the body must be a string naming a trusted origin or a relative path.
std::optional<ApiError> CheckCallbackUrl(const nlohmann::json& body, const TrustedOrigins& trusted,
                                         std::string_view base_origin);

}  // namespace issuer::server
