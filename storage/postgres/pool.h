#pragma once

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
    Handle(Pool& pool, std::unique_ptr<Connection> conn) : pool_(&pool), conn_(std::move(conn)) {}
    Handle(Handle&&) noexcept = default;
    ~Handle() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Opens `size` connections now: kUnavailable if the server cannot be reached.
  static Result<std::unique_ptr<Pool>> Open(std::string conninfo, std::vector<std::string> setup,
                                            int size, std::chrono::milliseconds wait);

  Result<Handle> Acquire();

 private:
  Pool() = default;
  void Release(std::unique_ptr<Connection> conn);

  std::string conninfo_;
  std::vector<std::string> setup_;
  std::chrono::milliseconds wait_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace issuer::storage::pg
