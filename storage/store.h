#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/rows.h"
#include "storage/sqlite.h"

namespace issuer::storage {

// The repository operations ba-issuer needs over Better Auth's tables. SQL stays in here; a
// second backend (PostgreSQL) can implement the same operations later.
//
// Thread-safe. Reads run on a small pool of connections, so they do not queue behind the single
// writer connection (WAL). An in-memory database is one connection shared by both.
//   auto store = Store::Open("auth.db");
//   auto found = (*store)->FindSessionWithUser(token);
class Store {
 public:
  // Opens or creates the database at `path` (":memory:" for a private in-memory one) and brings
  // its schema up to Better Auth 1.7 (schema.h). kUnavailable if the file cannot be opened.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, int readers = 4);
  ~Store();

  // The session with this token and its user, or nullopt.
  Result<std::optional<SessionWithUser>> FindSessionWithUser(std::string_view token);
  // The user with this (lowercase) email and its credential password, or nullopt.
  Result<std::optional<CredentialUser>> FindCredentialUser(std::string_view email);

  // Sign-up: the user, its credential account and its first session in one transaction.
  // kConflict if the email is taken (nothing is written then).
  Status CreateUserWithAccount(const UserRow& user, const AccountRow& account,
                               const SessionRow& session);
  Status InsertSession(const SessionRow& session);
  // Deleting a token that does not exist is not an error.
  Status DeleteSession(std::string_view token);
  Status UpdateSessionExpiry(std::string_view session_id, int64_t expires_at_ms,
                             int64_t updated_at_ms);

  Result<std::vector<JwkRow>> ListJwks();
  // Inserts `row` unless the table already holds a key of algorithm `alg` (or with NULL alg)
  // that has not expired at `now_ms`: checked and written in one BEGIN IMMEDIATE transaction,
  // so several processes make one key between them. Returns whether `row` was inserted.
  Result<bool> InsertJwkUnlessLiveExists(const JwkRow& row, std::string_view alg,
                                         int64_t now_ms);

  // A number that changes whenever another connection or process commits (PRAGMA
  // data_version). Cheap: for polling.
  Result<int64_t> DataVersion();

 private:
  class Pool;
  Store() = default;
  Status Init(const std::string& path, int readers);

  std::unique_ptr<Pool> writer_;
  std::unique_ptr<Pool> readers_;  // null for :memory: (reads use writer_)
  std::unique_ptr<Pool> watcher_;  // null for :memory:
  std::vector<std::string> user_columns_;
  std::vector<std::string> session_columns_;
  std::string find_session_sql_;
  std::string find_credential_sql_;
};

}  // namespace issuer::storage
