#include "storage/postgres/pool.h"

namespace issuer::storage::pg {

Result<std::unique_ptr<Pool>> Pool::Open(std::string conninfo, std::vector<std::string> setup,
                                         int size, std::chrono::milliseconds wait) {
  std::unique_ptr<Pool> pool(new Pool());
  pool->conninfo_ = std::move(conninfo);
  pool->setup_ = std::move(setup);
  pool->wait_ = wait;
  for (int i = 0; i < size; ++i) {
    auto conn = Connection::Open(pool->conninfo_, pool->setup_);
    if (!conn.ok()) return conn.error();
    pool->idle_.push_back(std::move(*conn));
  }
  return pool;
}

Result<Pool::Handle> Pool::Acquire(bool write) {
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, wait_, [this] { return !idle_.empty(); })) {
      return Error{Errc::kUnavailable, "timed out waiting for a database connection"};
    }
    conn = std::move(idle_.back());
    idle_.pop_back();
  }
  if (conn->Stale()) {
    auto fresh = Connection::Open(conninfo_, setup_);
    if (!fresh.ok()) {
      Release(std::move(conn), false);  // kept, and tried again by the next caller
      return fresh.error();
    }
    conn = std::move(*fresh);
  }
  return Handle(*this, std::move(conn), write);
}

void Pool::Release(std::unique_ptr<Connection> conn, bool write) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(conn));
  }
  if (write) writes_.fetch_add(1);
  cv_.notify_one();
}

}  // namespace issuer::storage::pg
