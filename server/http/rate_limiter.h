#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "server/http/types.h"

namespace issuer::server {

// Better Auth's in-memory rate limiter (compat spec §5), on when NODE_ENV=production: a fixed
// window per "ip|path" key, 100 requests per 10 s, 3 per 10 s for sign-in, sign-up and
// change-password, and 3 per 60 s for request-password-reset and send-verification-email.
// Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(const Clock& clock) : clock_(clock) {}

  // Counts a request for `path` (relative to the base path, e.g. "/sign-in/email") from `ip`
  // ("" when unknown: all such clients share one bucket, as in Better Auth). Returns nullopt if
  // allowed, else the seconds until the window ends (for X-Retry-After).
  std::optional<int64_t> Hit(const std::string& ip, const std::string& path);

 private:
  struct Window {
    int64_t start_ms = 0;
    int count = 0;
  };
  void Sweep(int64_t now_ms);

  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
  int64_t last_sweep_ms_ = 0;
};

// With NODE_ENV=production, counts `request` against Better Auth's limit for `path` (relative to
// the base path; the client is the X-Forwarded-For address). Returns the 429 reply (with
// X-Retry-After) when over the limit.
std::optional<HttpReply> ApplyRateLimit(RateLimiter& limiter, const HttpRequest& request,
                                        const std::string& path);

}  // namespace issuer::server
