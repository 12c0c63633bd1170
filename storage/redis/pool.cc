#include "storage/redis/pool.h"

namespace issuer::storage::redis {
namespace {

// After a connect fails, calls fail at once for this long.
constexpr std::chrono::milliseconds kDownFor{200};

}  // namespace

Result<std::unique_ptr<Pool>> Pool::Open(const Location& where) {
  std::unique_ptr<Pool> pool(new Pool(where));
  auto pong = pool->Run(Command{"PING"});
  if (!pong.ok()) return pong.error();
  if (pong->kind == Reply::kError) return Error{Errc::kUnavailable, "redis: " + pong->str};
  return pool;
}

Result<std::unique_ptr<Connection>> Pool::Dial() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::chrono::steady_clock::now() < down_until_) {
      return Error{Errc::kUnavailable, "redis: the server was unreachable a moment ago"};
    }
  }
  auto conn = Connection::Open(where_);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    down_until_ = std::chrono::steady_clock::now() + kDownFor;
  }
  return conn;
}

Result<std::unique_ptr<Connection>> Pool::Take(bool* reused) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    const bool free = cv_.wait_for(lock, where_.command_timeout, [this] {
      return !idle_.empty() || lent_ < where_.pool_size;
    });
    if (!free) return Error{Errc::kUnavailable, "redis: every connection is busy"};
    ++lent_;
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      *reused = true;
      return conn;
    }
  }
  *reused = false;
  auto conn = Dial();
  if (!conn.ok()) Give(nullptr);
  return conn;
}

void Pool::Give(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --lent_;
    if (conn && !conn->broken()) idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

Result<std::vector<Reply>> Pool::Run(const std::vector<Command>& commands, bool idempotent) {
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    auto conn = Take(&reused);
    if (!conn.ok()) return conn.error();
    const auto start = std::chrono::steady_clock::now();
    auto replies = (*conn)->Pipeline(commands);
    // A stale connection fails at once (reset, closed); a slow server is not asked twice.
    const bool fast = std::chrono::steady_clock::now() - start < where_.command_timeout;
    const bool retry =
        !replies.ok() && reused && idempotent && attempt == 0 && (*conn)->broken() && fast;
    Give(std::move(*conn));
    if (!retry) return replies;
  }
}

Result<Reply> Pool::Run(const Command& command, bool idempotent) {
  auto replies = Run(std::vector<Command>{command}, idempotent);
  if (!replies.ok()) return replies.error();
  return std::move(replies->front());
}

}  // namespace issuer::storage::redis
