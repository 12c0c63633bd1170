#include "server/http/rate_limiter.h"

#include "server/http/client_ip.h"
#include "server/http/reply.h"

namespace issuer::server {
namespace {

constexpr int64_t kWindowMs = 10000;

int LimitFor(const std::string& path) {
  if (path.rfind("/sign-in", 0) == 0 || path.rfind("/sign-up", 0) == 0) return 3;
  return 100;
}

}  // namespace

std::optional<int64_t> RateLimiter::Hit(const std::string& ip, const std::string& path) {
  const int64_t now = clock_.NowMs();
  const std::string key = (ip.empty() ? "no-trusted-ip" : ip) + "|" + path;
  std::lock_guard<std::mutex> lock(mu_);
  Sweep(now);
  Window& w = windows_[key];
  if (now - w.start_ms >= kWindowMs) w = Window{now, 0};
  if (w.count >= LimitFor(path)) return (w.start_ms + kWindowMs - now + 999) / 1000;
  ++w.count;
  return std::nullopt;
}

// REQUIRES: mu_ held. Drops finished windows so the map stays as small as the active clients.
void RateLimiter::Sweep(int64_t now_ms) {
  if (now_ms - last_sweep_ms_ < kWindowMs) return;
  last_sweep_ms_ = now_ms;
  for (auto it = windows_.begin(); it != windows_.end();) {
    it = now_ms - it->second.start_ms >= kWindowMs ? windows_.erase(it) : std::next(it);
  }
}

std::optional<HttpReply> ApplyRateLimit(RateLimiter& limiter, const HttpRequest& request,
                                        const std::string& path) {
  auto retry_after = limiter.Hit(ForwardedIp(request).value_or(""), path);
  if (!retry_after) return std::nullopt;
  HttpReply reply = ErrorReply({ApiCode::kTooManyRequests, ""});
  reply.AddHeader("X-Retry-After", std::to_string(*retry_after));
  return reply;
}

}  // namespace issuer::server
