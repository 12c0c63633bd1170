#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "storage/redis/connection.h"
#include "storage/redis/location.h"

namespace issuer::storage::redis {

// At most Location::pool_size connections, made as they are needed. Run waits at most the
// command timeout for a free one, then answers kUnavailable (the server's 503 with
// Retry-After). A broken connection is dropped and a new one made on the next call; after a
// failed connect, calls fail at once for a short while instead of each waiting to connect.
// Thread-safe.
class Pool {
 public:
  // Checks now that the server answers (PING), so a wrong URL or password stops the start.
  static Result<std::unique_ptr<Pool>> Open(const Location& where);

  // One pipeline on one connection. `idempotent`: if a connection that had been idle turns out
  // broken (the server restarted since), the pipeline is sent once more on a new one.
  Result<std::vector<Reply>> Run(const std::vector<Command>& commands, bool idempotent = true);
  Result<Reply> Run(const Command& command, bool idempotent = true);

 private:
  explicit Pool(Location where) : where_(std::move(where)) {}
  // A connection: an idle one (reused = true) or a new one.
  Result<std::unique_ptr<Connection>> Take(bool* reused);
  void Give(std::unique_ptr<Connection> conn);
  Result<std::unique_ptr<Connection>> Dial();

  const Location where_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int lent_ = 0;  // connections out, or being made
  std::chrono::steady_clock::time_point down_until_{};
};

}  // namespace issuer::storage::redis
