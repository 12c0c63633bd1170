#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/postgres/pq.h"

namespace issuer::storage::pg {

// A fixed number of connections. Acquire waits at most `wait` for a free one (then
// kUnavailable, which the server answers with 503 and Retry-After). A connection found broken
// (the server restarted) is replaced on its next acquisition, with its statements prepared
// again as they are used.
class Pool {
 public:
  // A borrowed connection, returned to the pool when the handle goes. Move-only.
  class Handle {
   public:
    Handle(Pool& pool, std::unique_ptr<Connection> conn, bool write)
        : pool_(&pool), conn_(std::move(conn)), write_(write) {}
    Handle(Handle&&) noexcept = default;
    ~Handle() {
      if (conn_) pool_->Release(std::move(conn_), write_);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
    bool write_;
  };

  // Opens `size` connections now: kUnavailable if the server cannot be reached.
  static Result<std::unique_ptr<Pool>> Open(std::string conninfo, std::vector<std::string> setup,
                                            int size, std::chrono::milliseconds wait);

  // `write`: the handle is for writing; writes() moves once it is given back.
  Result<Handle> Acquire(bool write = false);
  // How many write handles were given back: a write made through one is committed (or given
  // up) before writes() moves.
  int64_t writes() const { return writes_.load(); }

 private:
  Pool() = default;
  void Release(std::unique_ptr<Connection> conn, bool write);

  std::string conninfo_;
  std::vector<std::string> setup_;
  std::chrono::milliseconds wait_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::atomic<int64_t> writes_{0};
};

}  // namespace issuer::storage::pg
