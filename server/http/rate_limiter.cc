#include "server/http/rate_limiter.h"

#include "server/http/client_ip.h"
#include "server/http/reply.h"

namespace issuer::server {
namespace {

// The longest window of any rule: a window older than it is over for every rule.
constexpr int64_t kWindowMs = 60000;

struct Rule {
  int64_t window_ms;
  int max;
};

// Better Auth's default rule and special rules (getDefaultSpecialRules).
Rule RuleFor(const std::string& path) {
  auto starts = [&path](const char* prefix) { return path.rfind(prefix, 0) == 0; };
  if (starts("/sign-in") || starts("/sign-up") || starts("/change-password") ||
      starts("/change-email")) {
    return {10000, 3};
  }
  if (path == "/request-password-reset" || path == "/send-verification-email" ||
      starts("/forget-password")) {
    return {60000, 3};
  }
  return {10000, 100};
}

}  // namespace

std::optional<int64_t> RateLimiter::Hit(const std::string& ip, const std::string& path) {
  const int64_t now = clock_.NowMs();
  const std::string key = (ip.empty() ? "no-trusted-ip" : ip) + "|" + path;
  std::lock_guard<std::mutex> lock(mu_);
  Sweep(now);
  Window& w = windows_[key];
  const Rule rule = RuleFor(path);
  if (now - w.start_ms >= rule.window_ms) w = Window{now, 0};
  if (w.count >= rule.max) return (w.start_ms + rule.window_ms - now + 999) / 1000;
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
