#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/logger.h"
#include "common/random.h"
#include "common/result.h"
#include "server/http/rate_limiter.h"
#include "storage/repository.h"

namespace issuer::server {

// rateLimit.storage "database": the counts in Better Auth's rateLimit table (key, count,
// lastRequest), one row per "client|path", each step decided and written in one write
// transaction of the store, so every instance on the store (and a Better Auth beside them)
// counts together. Rows whose last request is older than the longest window are deleted now and
// then, as Better Auth prunes them. Thread-safe.
class DatabaseLimitStore final : public LimitStore {
 public:
  // `longest_window_s`: RateLimitRules::LongestWindowS().
  DatabaseLimitStore(storage::Repository& repo, const Clock& clock, Random random, Logger& log,
                     int64_t longest_window_s)
      : repo_(repo),
        clock_(clock),
        random_(std::move(random)),
        log_(log),
        longest_window_ms_(longest_window_s * 1000) {}

  // Declares Better Auth's rateLimit table to `repo` (made if missing, as its migration would).
  static Status DeclareTable(storage::Repository& repo);

  // The store's error (kUnavailable when busy, ...) when the step could not be taken.
  Result<LimitDecision> Consume(const std::string& key, const LimitRule& rule) override;

 private:
  void Prune(int64_t now_ms);

  storage::Repository& repo_;
  const Clock& clock_;
  const Random random_;
  Logger& log_;
  const int64_t longest_window_ms_;
  std::atomic<int64_t> last_prune_ms_{0};
};

}  // namespace issuer::server
