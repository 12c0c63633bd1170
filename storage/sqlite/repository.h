#pragma once

#include <atomic>
#include <functional>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/published.h"
#include "common/result.h"
#include "storage/repository.h"
#include "storage/rows.h"
#include "storage/session_cache.h"
#include "storage/sqlite/wal_stamp.h"
#include "storage/sqlite/wal_stamp.h"

namespace issuer::storage {

class Connection;

// The Repository over SQLite (Better Auth's SQLite schema, compat spec §3.1).
//
// Thread-safe. Reads run on a small pool of connections, so they do not queue behind the single
// writer connection (WAL). An in-memory database is one connection shared by both. On a WAL
// file, sessions found by token are served from memory while nothing has been committed since
// (SessionCache), and DataVersion answers without a transaction while nothing has.
class SqliteRepository final : public Repository {
 public:
  // Opens `path` (":memory:" for a private in-memory one). kReadWrite creates the file if
  // needed and brings its schema up to Better Auth 1.7 (schema.h); kReadOnly never writes.
  // kUnavailable if the file cannot be opened.
  static Result<std::unique_ptr<SqliteRepository>> Open(const std::string& path,
                                                        OpenMode mode = OpenMode::kReadWrite,
                                                        int readers = 4);
  ~SqliteRepository() override;

  Result<std::optional<SessionWithUser>> FindSessionWithUser(std::string_view token) override;
  Result<std::optional<CredentialUser>> FindCredentialUser(std::string_view email) override;
  Status CreateUserWithAccount(const UserRow& user, const AccountRow& account,
                               const SessionRow& session) override;
  Status InsertSession(const SessionRow& session) override;
  Status CreateUser(const UserRow& user, const std::optional<AccountRow>& account) override;
  Status AddAccount(const AccountRow& account) override;
  Status DeleteUsers() override;
  Status DeleteSession(std::string_view token) override;
  Status UpdateSessionExpiry(std::string_view session_id, int64_t expires_at_ms,
                             int64_t updated_at_ms) override;
  Result<std::vector<JwkRow>> ListJwks() override;
  Result<bool> InsertJwkUnlessLiveExists(const JwkRow& row, std::string_view alg,
                                         int64_t now_ms) override;
  Result<bool> ChangeJwks(const JwkPlanner& plan, int64_t now_ms) override;
  Result<std::vector<KeyRecord>> ListKeyRecords() override;
  Result<int64_t> DataVersion() override;
  Result<std::optional<UserRow>> FindUserById(std::string_view user_id) override;
  Result<std::vector<SessionRow>> ListUserSessions(std::string_view user_id,
                                                   int64_t now_ms) override;
  Status DeleteUserSessions(std::string_view user_id) override;
  Status DeleteOtherSessions(std::string_view user_id, std::string_view keep_token,
                             int64_t now_ms) override;
  Result<std::vector<ListedAccount>> ListAccounts(std::string_view user_id) override;
  Status UpdateUser(const UserRow& user) override;
  Status DeleteUser(std::string_view user_id) override;
  Status InsertVerification(const VerificationRow& row) override;
  Status RehearseVerification(const VerificationRow& row) override;
  Result<std::optional<VerificationRow>> FindVerification(std::string_view identifier) override;
  Status SetPassword(const PasswordChange& change) override;
  Status DeclareTables(const std::vector<TableDecl>& tables) override;
  Result<std::vector<std::string>> Columns(std::string_view table) override;
  Result<std::vector<Row>> FindRows(std::string_view table, const std::vector<Where>& where,
                                    const FindOptions& options) override;
  Result<int64_t> CountRows(std::string_view table, const std::vector<Where>& where) override;
  Status InsertRow(std::string_view table, const Row& row) override;
  Result<int64_t> UpdateRows(std::string_view table, const std::vector<Where>& where,
                             const Row& set) override;
  Result<int64_t> DeleteRows(std::string_view table, const std::vector<Where>& where) override;
  Result<RateLimitStep> ConsumeRateLimit(const RateLimitRequest& request) override;

 private:
  class Pool;
  // The user and session columns and the queries built from them; replaced whole when
  // CreateUser adds a column, so readers never see a half-built set.
  struct Queries {
    std::vector<std::string> user_columns;
    std::vector<std::string> session_columns;
    FieldTypes user_types;     // declared types of the user's other columns
    FieldTypes session_types;  // and the session's
    std::string find_session;
    std::string find_credential;
  };
  SqliteRepository() = default;
  Status Init(const std::string& path, OpenMode mode, int readers);
  Status LoadColumns();
  // Opens stamp_ and sessions_ if the file is in WAL mode (otherwise every read goes to SQLite).
  void OpenStamp();
  Result<std::optional<SessionWithUser>> QuerySessionWithUser(std::string_view token);
  // One write transaction: refuses a taken email, adds the extra columns the user names, writes
  // the user and, if given, its account and session.
  Status WriteUser(const UserRow& user, const AccountRow* account, const SessionRow* session);
  Pool& Reader() const;
  // Runs `body` on the writer inside one write transaction, committed if it returns ok.
  Status InTransaction(const std::function<Status(Connection&)>& body);
  // Runs one statement `sql` on the writer with the texts bound as ?1, ?2, ... (outside any
  // transaction, or inside the caller's when `conn` is given).
  Status WriteTexts(const std::string& sql, const std::vector<std::string>& texts,
                    std::string_view context);
  std::shared_ptr<const Queries> queries() const { return queries_.Get(); }
  // The types DeclareTables recorded for `table`; with the core columns' for TypesFor.
  FieldTypes DeclaredTypes(std::string_view table) const;
  FieldTypes TypesFor(std::string_view table) const;
  // Runs `body` on the writer (outside a transaction).
  template <typename T>
  Result<T> OnWriter(const std::function<Result<T>(Connection&)>& body);

  std::unique_ptr<Pool> writer_;   // null when read-only
  std::unique_ptr<Pool> readers_;  // null for :memory: (reads use writer_)
  std::unique_ptr<Pool> watcher_;  // null for :memory:
  Published<Queries> queries_;  // read on every lookup without a lock
  std::unique_ptr<WalStamp> stamp_;        // null unless a WAL file
  std::unique_ptr<SessionCache<WalStamp::Value>> sessions_;  // null unless stamp_
  // The last data_version read and the stamp read just before it.
  struct VersionMemo {
    WalStamp::Value stamp;
    int64_t version;
  };
  mutable std::mutex declared_mu_;
  std::vector<std::pair<std::string, FieldTypes>> declared_;  // guarded by declared_mu_
  std::mutex memo_mu_;
  std::optional<VersionMemo> memo_;
};

}  // namespace issuer::storage
