#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace issuer::storage {

// The one place SQLite result codes become Errors: BUSY/LOCKED/FULL/IOERR -> kUnavailable,
// CONSTRAINT -> kConflict, anything else -> kInternal. The message never carries row data.
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// A prepared statement. Move-only; finalized on destruction.
//   auto st = conn.Prepare(R"(SELECT "id" FROM "user" WHERE "email" = ?1)");
//   st->BindText(1, email);
//   while (st->Step() == Statement::kRow) Use(st->ColumnText(0));
class Statement {
 public:
  enum StepResult { kRow, kDone, kError };

  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  void BindText(int index, std::string_view text);
  void BindOptionalText(int index, const std::optional<std::string>& text);
  void BindInt64(int index, int64_t value);
  void BindNull(int index);

  // kError leaves the code in last_rc().
  StepResult Step();
  int last_rc() const { return last_rc_; }
  // Clears bindings and rewinds, so a cached statement can run again.
  void Reset();

  int ColumnCount() const;
  bool ColumnIsNull(int col) const;
  int ColumnType(int col) const;
  std::string ColumnText(int col) const;
  std::optional<std::string> ColumnOptionalText(int col) const;
  int64_t ColumnInt64(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnName(int col) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
  };
  explicit Statement(sqlite3_stmt* st) : st_(st) {}

  std::unique_ptr<sqlite3_stmt, Finalize> st_;
  int last_rc_ = SQLITE_OK;
};

// One sqlite3 connection with a statement cache. Not thread-safe: the owner serialises use.
class Connection {
 public:
  // Opens (creating if needed) and sets busy_timeout, foreign_keys=ON and, unless in-memory,
  // journal_mode=WAL and synchronous=FULL.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool in_memory);

  sqlite3* handle() const { return db_.get(); }
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

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Connection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Commit();

 private:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  Connection& conn_;
  bool done_ = false;
};

}  // namespace issuer::storage
