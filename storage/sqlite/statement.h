#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace issuer::storage {

// The one place SQLite result codes become Errors: BUSY/LOCKED/FULL/IOERR -> kUnavailable,
// CONSTRAINT -> kConflict, anything else -> kInternal. The message never carries row data.
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// A prepared statement. Move-only; finalized on destruction.
//   auto st = conn.Prepare(R"(SELECT "id" FROM "user" WHERE "email" = ?1)");
//   st->BindText(1, email);
//   while (st->Step() == Statement::kRow) Use(st->ColumnText(0));
// Every SQLite return code is checked: a bind that fails (an index out of range, text over
// SQLite's length limit, out of memory) is remembered, and the next Step() returns kError with
// that code instead of running the statement with a parameter missing.
class Statement {
 public:
  enum StepResult { kRow, kDone, kError };

  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  void BindText(int index, std::string_view text);
  void BindOptionalText(int index, const std::optional<std::string>& text);
  void BindInt64(int index, int64_t value);
  void BindNull(int index);

  // kError leaves the code in last_rc(): the first failed bind's, or the step's.
  StepResult Step();
  int last_rc() const { return last_rc_; }
  // Clears bindings (and a remembered bind failure) and rewinds, so a cached statement can run
  // again. sqlite3_reset repeats the last step's code, which Step() has already reported.
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
  // Keeps the first failing bind code for Step().
  void CheckBind(int rc);

  std::unique_ptr<sqlite3_stmt, Finalize> st_;
  int last_rc_ = SQLITE_OK;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace issuer::storage
