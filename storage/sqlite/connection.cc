#include "storage/sqlite/connection.h"

#include <mutex>

namespace issuer::storage {
namespace {

// SQLite's memory statistics take one process-wide mutex on every allocation (a dozen per
// session lookup), which threads serving /token then queue on. Nothing reads the statistics.
// Only possible before SQLite initialises, so it is done once before the first open.
void ConfigureOnce() {
  static std::once_flag once;
  // SQLITE_MISUSE if something initialised SQLite already: the statistics then stay on.
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool in_memory,
                                                     bool read_only) {
  ConfigureOnce();
  sqlite3* raw = nullptr;
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "open database");
  conn->SetBusyTimeout(kBusyTimeout);
  sqlite3_extended_result_codes(raw, 1);
  const char* pragmas = read_only   ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
                        : in_memory ? "PRAGMA foreign_keys=ON;"
                                    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                      " PRAGMA foreign_keys=ON;";
  Status st = conn->Exec(pragmas);
  if (!st.ok()) return st.error();
  return conn;
}

Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "exec");
  return Status::Ok();
}

Result<Connection::Lease> Connection::Cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto st = Statement::Prepare(db_.get(), sql);
    if (!st.ok()) return st.error();
    it = cache_.emplace(sql, std::make_unique<Statement>(std::move(*st))).first;
  }
  return Lease(it->second.get());
}

}  // namespace issuer::storage
