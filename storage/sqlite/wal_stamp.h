#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

namespace issuer::storage {

// Whether a WAL database has changed, read without a transaction or a lock: a copy of the
// wal-index header at the start of the database's -shm file (https://www.sqlite.org/walformat.html
// §2.1). Every commit, by any connection of any process, rewrites that header (its change
// counter, last frame and salts) before the commit becomes visible to readers, so two equal
// reads mean that nothing was committed in between.
//
// The first page of the -shm file is mapped read-only, as SQLite maps it itself. SQLite truncates
// that file only when no connection has it open, and the repository keeps its connections open
// for as long as this object lives. Thread-safe.
class WalStamp {
 public:
  using Value = std::array<unsigned char, 48>;

  // nullptr if `shm_path` cannot be opened or mapped (no WAL: an in-memory or rollback-journal
  // database).
  static std::unique_ptr<WalStamp> Open(const std::string& shm_path);
  ~WalStamp();
  WalStamp(const WalStamp&) = delete;
  WalStamp& operator=(const WalStamp&) = delete;

  // The header now; nullopt if it cannot be read, is not initialised, or a writer is midway
  // through rewriting it (its two copies differ).
  std::optional<Value> Read() const;

 private:
  explicit WalStamp(const void* page) : page_(page) {}
  const void* const page_;
};

}  // namespace issuer::storage
