#include "storage/sqlite/statement.h"

#include <limits>

namespace issuer::storage {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  const int primary = rc & 0xff;
  std::string message = std::string(context) + ": " + sqlite3_errstr(rc);
  (void)db;  // sqlite3_errmsg may quote SQL text: keep messages to the generic code string
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
      return Error{Errc::kUnavailable, message};
    case SQLITE_CONSTRAINT:
      return Error{Errc::kConflict, message};
    default:
      return Error{Errc::kInternal, message};
  }
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &st, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return SqliteError(db, rc, "prepare");
  }
  return Statement(st);
}

void Statement::CheckBind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::BindText(int index, std::string_view text) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return CheckBind(SQLITE_TOOBIG);
  }
  CheckBind(sqlite3_bind_text(st_.get(), index, text.data(), static_cast<int>(text.size()),
                              SQLITE_TRANSIENT));
}

void Statement::BindOptionalText(int index, const std::optional<std::string>& text) {
  if (text) {
    BindText(index, *text);
  } else {
    BindNull(index);
  }
}

void Statement::BindInt64(int index, int64_t value) {
  CheckBind(sqlite3_bind_int64(st_.get(), index, value));
}

void Statement::BindNull(int index) { CheckBind(sqlite3_bind_null(st_.get(), index)); }

Statement::StepResult Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    last_rc_ = bind_rc_;
    return kError;
  }
  last_rc_ = sqlite3_step(st_.get());
  if (last_rc_ == SQLITE_ROW) return kRow;
  if (last_rc_ == SQLITE_DONE) return kDone;
  return kError;
}

void Statement::Reset() {
  (void)sqlite3_reset(st_.get());
  (void)sqlite3_clear_bindings(st_.get());  // always SQLITE_OK
  bind_rc_ = SQLITE_OK;
}

int Statement::ColumnCount() const { return sqlite3_column_count(st_.get()); }

bool Statement::ColumnIsNull(int col) const { return ColumnType(col) == SQLITE_NULL; }

int Statement::ColumnType(int col) const { return sqlite3_column_type(st_.get(), col); }

std::string Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(st_.get(), col);
  const int n = sqlite3_column_bytes(st_.get(), col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : "";
}

std::optional<std::string> Statement::ColumnOptionalText(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnText(col);
}

int64_t Statement::ColumnInt64(int col) const { return sqlite3_column_int64(st_.get(), col); }

double Statement::ColumnDouble(int col) const { return sqlite3_column_double(st_.get(), col); }

std::string Statement::ColumnName(int col) const {
  const char* name = sqlite3_column_name(st_.get(), col);
  return name ? name : "";
}

}  // namespace issuer::storage
