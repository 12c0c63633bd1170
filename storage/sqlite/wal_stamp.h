#pragma once

#include <sqlite3.h>

#include <array>
#include <memory>
#include <optional>

namespace issuer::storage {

// Whether a WAL database has changed, read without a transaction or a lock: a copy of the
// wal-index header at the start of the database's shared memory (https://www.sqlite.org/
// walformat.html §2.1). Every commit, by any connection of any process, rewrites that header
// (its change counter, last frame and salts) before the commit becomes visible to readers, so
// two equal reads mean that nothing was committed in between.
//
// It maps and opens nothing of its own: it borrows the mapping SQLite made for one connection,
// through that connection's VFS (xShmMap). Opening the -shm file here and closing it would drop
// every POSIX lock this process holds on it, SQLite's included. Thread-safe.
class WalStamp {
 public:
  using Value = std::array<unsigned char, 48>;

  // nullptr unless `db` (a connection to a file) is in WAL mode with its wal-index mapped.
  // REQUIRES: `db` stays open, in WAL mode, for as long as the stamp is used; it is used by
  // one thread at a time while Open runs.
  static std::unique_ptr<WalStamp> Open(sqlite3* db);

  // The header now; nullopt if it is not initialised, or a writer is midway through rewriting
  // it (its two copies differ).
  std::optional<Value> Read() const;

 private:
  explicit WalStamp(const volatile void* header) : header_(header) {}
  const volatile void* const header_;
};

}  // namespace issuer::storage
