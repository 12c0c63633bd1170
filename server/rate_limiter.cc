#include "server/rate_limiter.h"

namespace issuer::server {
namespace {

constexpr int64_t kWindowMs = 10000;

int LimitFor(const std::string& path) {
  if (path.rfind("/sign-in", 0) == 0 || path.rfind("/sign-up", 0) == 0) return 3;
  return 100;
}

}  // namespace

std::optional<int64_t> RateLimiter::Hit(const std::string& ip, const std::string& path) {
  const int64_t now = clock_();
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

}  // namespace issuer::server
