#pragma once

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "storage/sqlite/statement.h"

namespace issuer::storage {

// How long a write waits for another connection's lock before it fails with kUnavailable.
inline constexpr std::chrono::milliseconds kBusyTimeout{5000};

// One sqlite3 connection with a statement cache. Not thread-safe: the owner serialises use.
class Connection {
 public:
  // Opens (creating if needed) and sets busy_timeout, foreign_keys=ON and, unless in-memory,
  // journal_mode=WAL and synchronous=FULL. With `read_only` the file must exist, and the
  // connection can neither write nor create it (query_only).
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool in_memory,
                                                  bool read_only = false);

  sqlite3* handle() const { return db_.get(); }
  // True when SQLite opened the file read-only: asked for read_only, or the file (or its
  // directory) was not writable then. It stays so until the connection is reopened.
  bool read_only() const { return sqlite3_db_readonly(db_.get(), "main") == 1; }
  void SetBusyTimeout(std::chrono::milliseconds timeout) {
    sqlite3_busy_timeout(db_.get(), static_cast<int>(timeout.count()));
  }
  Status Exec(std::string_view sql);
  // A cached prepared statement, ready to bind. The lease resets it when it goes out of
  // scope, so no read snapshot stays open between uses.
  class Lease {
   public:
    explicit Lease(Statement* st) : st_(st) {}
    Lease(Lease&& other) noexcept : st_(other.st_) { other.st_ = nullptr; }
    Lease(const Lease&) = delete;
    ~Lease() {
      if (st_) st_->Reset();
    }
    Statement* operator->() const { return st_; }
    Statement& operator*() const { return *st_; }

   private:
    Statement* st_;
  };
  Result<Lease> Cached(const std::string& sql);

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Connection(sqlite3* db) : db_(db) {}

  std::unique_ptr<sqlite3, Close> db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace issuer::storage
