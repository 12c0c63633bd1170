#include "server/http/rate_limiter.h"

#include <algorithm>
#include <vector>

#include "server/http/reply.h"

namespace issuer::server {
namespace {

// Better Auth's key for a request whose client is unknown. Only a request made in-process has
// no peer address; HttpServer always sets one.
constexpr char kNoClient[] = "no-trusted-ip";

constexpr int64_t kPruneEveryMs = 1000;

int64_t CeilSeconds(int64_t ms) { return (ms + 999) / 1000; }

}  // namespace

Result<LimitDecision> MemoryLimitStore::Consume(const std::string& key, const LimitRule& rule) {
  const int64_t now = clock_.NowMs();
  const int64_t window_ms = rule.window_s * 1000;
  std::lock_guard<std::mutex> lock(mu_);
  Prune(now);
  auto it = counts_.find(key);
  if (it == counts_.end() || now >= it->second.ends_ms || now - it->second.last_ms >= window_ms) {
    counts_[key] = Count{1, now, now + window_ms};
    return LimitDecision{true, 0};
  }
  Count& c = it->second;
  if (c.count >= rule.max) return LimitDecision{false, CeilSeconds(c.last_ms + window_ms - now)};
  c = Count{c.count + 1, now, now + window_ms};
  return LimitDecision{true, 0};
}

size_t MemoryLimitStore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_.size();
}

void MemoryLimitStore::Prune(int64_t now_ms) {
  if (now_ms - last_prune_ms_ >= kPruneEveryMs || now_ms < last_prune_ms_) {
    last_prune_ms_ = now_ms;
    std::erase_if(counts_, [now_ms](const auto& entry) { return now_ms >= entry.second.ends_ms; });
  }
  if (counts_.empty() || counts_.size() < max_entries_) return;
  // Full: down to 90%, so that the next evictions are some way off.
  std::vector<std::pair<int64_t, std::string>> by_end;
  by_end.reserve(counts_.size());
  for (const auto& [key, c] : counts_) by_end.emplace_back(c.ends_ms, key);
  const size_t drop = counts_.size() - max_entries_ * 9 / 10;
  std::nth_element(by_end.begin(), by_end.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_end.end());
  for (size_t i = 0; i < drop; ++i) counts_.erase(by_end[i].second);
}

std::optional<HttpReply> RateLimiter::Check(const HttpRequest& request, const std::string& path) {
  const std::optional<LimitRule> rule = rules_.For(path);
  if (!rule) return std::nullopt;
  std::optional<std::string> client = ClientAddress(request, client_ip_);
  if (!client) {
    if (client_ip_.disabled) return std::nullopt;
    client = kNoClient;
  }
  auto decision = store_.Consume(*client + "|" + path, *rule);
  if (!decision.ok()) {
    log_.Warn("rate_limit_unavailable", "reason=\"" + decision.error().message + "\"");
    return ErrorReply({ApiCode::kServiceUnavailable, ""});
  }
  if (decision->allowed) return std::nullopt;
  HttpReply reply = ErrorReply({ApiCode::kTooManyRequests, ""});
  reply.AddHeader("X-Retry-After", std::to_string(decision->retry_after_s));
  return reply;
}

}  // namespace issuer::server
