#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/clock.h"
#include "common/logger.h"
#include "common/result.h"
#include "server/http/client_ip.h"
#include "server/http/limit_rules.h"
#include "server/http/types.h"

namespace issuer::server {

// Whether one more request fits its rule, and if not, the seconds until it does.
struct LimitDecision {
  bool allowed = true;
  int64_t retry_after_s = 0;  // when refused: X-Retry-After
};

// Where the counts live (Better Auth's rateLimit.storage). Consume counts one request for `key`
// as Better Auth's storages do: no count yet, or the last counted request `rule.window_s` or
// more ago: count 1, allowed; fewer than `rule.max` counted: one more, allowed (the window then
// runs from this request); otherwise refused, nothing counted, retry after the window that
// runs from the last counted request. An error means the count is unknown: the caller must not
// let the request through as if unlimited. Thread-safe.
class LimitStore {
 public:
  virtual ~LimitStore() = default;
  virtual Result<LimitDecision> Consume(const std::string& key, const LimitRule& rule) = 0;
};

// rateLimit.storage "memory": this process's counts, so each instance counts apart.
// Finished windows are dropped as time passes; past `max_entries` keys (Better Auth's 100 000)
// the ones closest to ending go first.
class MemoryLimitStore final : public LimitStore {
 public:
  explicit MemoryLimitStore(const Clock& clock, size_t max_entries = 100000)
      : clock_(clock), max_entries_(max_entries) {}
  Result<LimitDecision> Consume(const std::string& key, const LimitRule& rule) override;
  size_t size();

 private:
  struct Count {
    int64_t count = 0;
    int64_t last_ms = 0;  // of the last counted request
    int64_t ends_ms = 0;  // last_ms + the rule's window
  };
  void Prune(int64_t now_ms);  // REQUIRES: mu_ held

  const Clock& clock_;
  const size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<std::string, Count> counts_;
  int64_t last_prune_ms_ = 0;
};

// Better Auth's rate limiter (compat spec §5): each request to a limited path counts against
// the key "client|path" (client: ClientAddress; path relative to the base path), as
// Better Auth's createRateLimitKey makes it, so instances that share a store (and a Better Auth
// beside them) count together. Over the rule: 429 {"message":"Too many requests. Please try
// again later."} with X-Retry-After; a store that fails: 503 SERVICE_UNAVAILABLE, logged.
// With disableIpTracking nothing is limited, as in Better Auth. Thread-safe.
//   MemoryLimitStore store(clock);
//   RateLimiter limiter(rules, config.client_ip, store, log);
//   if (auto refused = limiter.Check(request, "/sign-in/email")) return *refused;
class RateLimiter {
 public:
  RateLimiter(RateLimitRules rules, ClientIpPolicy client_ip, LimitStore& store, Logger& log)
      : rules_(std::move(rules)), client_ip_(std::move(client_ip)), store_(store), log_(log) {}

  // Counts `request` for `path`; nullopt if it may go on, else the reply that answers it.
  std::optional<HttpReply> Check(const HttpRequest& request, const std::string& path);

 private:
  const RateLimitRules rules_;
  const ClientIpPolicy client_ip_;
  LimitStore& store_;
  Logger& log_;
};

}  // namespace issuer::server
