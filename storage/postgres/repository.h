#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/postgres/listener.h"
#include "storage/postgres/location.h"
#include "storage/postgres/pool.h"
#include "storage/postgres/schema.h"
#include "storage/postgres/tables.h"
#include "storage/repository.h"
#include "storage/session_cache.h"

namespace issuer::storage {

// The Repository over PostgreSQL: Better Auth's tables as its Kysely migration makes them, or
// as Prisma or Drizzle did (snake_case columns, naive timestamps; schema.h).
//
// Thread-safe: a fixed pool of connections (pool.h), each preparing its statements once. Key
// changes take pg_advisory_xact_lock(kRotationLockKey) in their own statement, re-read jwks
// under it, write, and pg_notify(ba_jwks) before COMMIT, so several instances rotate once
// between them and hear of it at once (listener.h). Nothing is cached per instance but the
// key ring, the columns of the tables and, where the change triggers are in place
// (change_triggers.h), found sessions: a SessionCache keyed by what the listener has heard
// (every writer's UPDATE, DELETE or TRUNCATE of session or user, as a NOTIFY) and by this
// store's own committed writes (Pool::writes). A change by another process, Better Auth
// included, is honoured once its NOTIFY arrives (milliseconds); at most kCachedSessionMaxAge
// if the LISTEN connection is lost without a sign. While it is down, or without the triggers,
// sessions are read from the database on every request.
// Plugin tables (DeclareTables) are made as Better Auth's Kysely migration makes them, in the
// database's naming; their rows are read and written by Better Auth's field names (tables.h).
//
// Adding a Repository method: write its SQL with schema_.Col(table, "camelName") for column
// names and schema_.Read(...) for dates and booleans, bind dates as Iso(ms), and run it through
// Read() (retried once on a cut connection) or Write() (refused on a read-only store).
class PostgresRepository final : public Repository {
 public:
  // The advisory lock key of every jwks change ("ba-issue" in ASCII). Documented in the
  // README: other software sharing the database must not use it.
  static constexpr int64_t kRotationLockKey = 7088997219389633893;

  static Result<std::unique_ptr<PostgresRepository>> Open(const std::string& url, OpenMode mode);
  ~PostgresRepository() override;

  // How many sessions the cache holds at most, and how long it may serve one (see above).
  static constexpr size_t kCachedSessions = 32768;
  static constexpr std::chrono::milliseconds kCachedSessionMaxAge{5000};

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
  std::string Description() const override;

  // Accounts (issue 10).
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

  // Any table (plugins).
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
  // The user and session columns and the lookups built from them; replaced whole when
  // CreateUser or DeclareTables adds a column.
  struct Queries {
    pg::NamedColumns user_columns;
    pg::NamedColumns session_columns;
    FieldTypes user_types;     // declared types of the user's other columns
    FieldTypes session_types;  // and the session's
    std::string find_session;
    std::string find_credential;
  };
  PostgresRepository() = default;
  Status Init(const std::string& url, OpenMode mode);
  Status LoadColumns(pg::Connection& conn);
  Status WriteUser(const UserRow& user, const AccountRow* account, const SessionRow* session);
  Result<bool> ChangeJwksLocked(pg::Connection& conn, const JwkPlanner& plan, int64_t now_ms);
  Result<std::vector<JwkRow>> ReadJwks(pg::Connection& conn);
  Status InsertJwk(pg::Connection& conn, const JwkRow& row, int64_t now_ms);
  // The user and its other columns, which `columns` (the user table's) must have.
  Status InsertUserRow(pg::Connection& conn, const UserRow& u, const pg::NamedColumns& columns);
  Status InsertAccountRow(pg::Connection& conn, const AccountRow& a);
  Status InsertSessionRow(pg::Connection& conn, const SessionRow& s);
  // Adds the user columns `extra` names that the table lacks; *columns is the table's after.
  // Returns whether it added one.
  Result<bool> AddUserColumns(pg::Connection& conn, const std::vector<ExtraColumn>& extra,
                              pg::NamedColumns* columns);
  // The user (session) in row `row` of `rows`, its columns from `first` on, as q lists them.
  UserRow ReadUser(const pg::Rows& rows, int row, int first, const Queries& q) const;
  SessionRow ReadSession(const pg::Rows& rows, int row, int first, const Queries& q) const;
  // The quoted physical names of these Better Auth columns of `table`, comma-separated.
  std::string ColumnList(const std::string& table, std::initializer_list<const char*> names) const;
  Result<bool> ConsumeVerification(pg::Connection& conn, const std::string& identifier,
                                   int64_t now_ms);
  Status WritePassword(pg::Connection& conn, const PasswordChange& c);
  Status DeleteByUser(pg::Connection& conn, const char* table, std::string_view user_id);
  // Runs a read on a pooled connection, once more on a fresh one if the server cut the first.
  template <typename T, typename F>
  Result<T> Read(F fn);
  // Runs the statement `build` makes from `table`'s columns on a Write() connection; returns
  // the number of rows it changed.
  template <typename F>
  Result<int64_t> Change(std::string_view table, F build);
  // A pooled connection for a write; kUnavailable on a read-only store.
  Result<pg::Pool::Handle> Write();
  // Runs one writing statement on a Write() connection.
  Status WriteStatement(const std::string& sql, const std::vector<pg::Param>& params);
  std::string InsertVerificationSql() const;
  // The types DeclareTables recorded for `table`; with the core columns' for TypesFor.
  FieldTypes DeclaredTypes(std::string_view table) const;
  FieldTypes TypesFor(std::string_view table) const;
  // `table`'s columns, read once (until LoadColumns) unless the table does not exist yet.
  Result<std::shared_ptr<const pg::TableInfo>> Table(pg::Connection& conn, std::string_view table);
  std::shared_ptr<const Queries> queries() const {
    std::lock_guard<std::mutex> lock(queries_mu_);
    return queries_;
  }

  // What a cached session was read under: the listener's and this store's changes.
  struct CacheStamp {
    int64_t heard = 0;
    int64_t writes = 0;
    bool operator==(const CacheStamp&) const = default;
  };
  Result<std::optional<SessionWithUser>> QuerySessionWithUser(std::string_view token);

  pg::Location location_;
  bool read_only_ = false;
  pg::Schema schema_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<pg::Listener> listener_;
  std::unique_ptr<SessionCache<CacheStamp>> sessions_;  // null without the change triggers
  mutable std::mutex queries_mu_;
  std::shared_ptr<const Queries> queries_;
  mutable std::mutex declared_mu_;
  std::map<std::string, FieldTypes, std::less<>> declared_;  // guarded by declared_mu_
  std::mutex tables_mu_;
  // By name; both guarded by tables_mu_. LoadColumns empties the map and moves the generation.
  std::map<std::string, std::shared_ptr<const pg::TableInfo>, std::less<>> tables_;
  uint64_t tables_generation_ = 0;
};

}  // namespace issuer::storage
