#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/rows.h"

namespace issuer::storage {

// The operations ba-issuer needs over Better Auth's tables, in plain rows. server/ sees only
// this interface; SQL and the database library stay in an implementation (storage/sqlite/,
// storage/postgres/).
//
// Implementations are thread-safe. Errors: kUnavailable for transient conditions (busy,
// locked, disk full, read-only), kConflict for a broken uniqueness rule, kInternal otherwise.
// Messages never carry row data.
//   auto repo = OpenRepository("auth.db");
//   auto found = (*repo)->FindSessionWithUser(token);
class Repository {
 public:
  virtual ~Repository() = default;

  // The session with this token and its user, or nullopt.
  virtual Result<std::optional<SessionWithUser>> FindSessionWithUser(std::string_view token) = 0;
  // The user with this (lowercase) email and its credential password, or nullopt.
  virtual Result<std::optional<CredentialUser>> FindCredentialUser(std::string_view email) = 0;

  // Sign-up: the user, its credential account and its first session in one transaction.
  // kConflict if the email is taken (nothing is written then).
  virtual Status CreateUserWithAccount(const UserRow& user, const AccountRow& account,
                                       const SessionRow& session) = 0;
  virtual Status InsertSession(const SessionRow& session) = 0;
  // A user, and its credential account if given, in one transaction. The user's extra columns
  // are written too; a column the table lacks is added first (typed by its value: text,
  // integer or real), as an app's additional field would be. kConflict if the email or id is
  // taken, kInvalidArgument for a column name that is not [A-Za-z0-9_]; nothing is written then.
  virtual Status CreateUser(const UserRow& user, const std::optional<AccountRow>& account) = 0;
  // Adds an account to the existing user `account.user_id` (linking a provider).
  //   INSERT INTO account (...) VALUES (...)
  virtual Status AddAccount(const AccountRow& account) = 0;
  // Removes every user, session, account and verification row in one transaction; the jwks
  // rows stay.
  virtual Status DeleteUsers() = 0;
  // Deleting a token that does not exist is not an error.
  virtual Status DeleteSession(std::string_view token) = 0;
  virtual Status UpdateSessionExpiry(std::string_view session_id, int64_t expires_at_ms,
                                     int64_t updated_at_ms) = 0;
  // The updateAge refresh of `session` (found by FindSessionWithUser): its expiresAt and
  // updatedAt become these. A store that keys sessions by token (secondary storage) needs the
  // whole row; the SQL stores update by id.
  virtual Status RefreshSession(const SessionRow& session, int64_t expires_at_ms,
                                int64_t updated_at_ms) {
    return UpdateSessionExpiry(session.id, expires_at_ms, updated_at_ms);
  }

  // --- Accounts (issue 10). Each is one simple statement unless it says "transaction". ---

  // The user with this id, or nullopt.  SELECT * FROM user WHERE id = ?
  virtual Result<std::optional<UserRow>> FindUserById(std::string_view user_id) = 0;
  // The user's sessions that expire after `now_ms`, in the table's order.
  //   SELECT * FROM session WHERE userId = ? AND expiresAt > ?now
  virtual Result<std::vector<SessionRow>> ListUserSessions(std::string_view user_id,
                                                           int64_t now_ms) = 0;
  // Every session of the user.  DELETE FROM session WHERE userId = ?
  virtual Status DeleteUserSessions(std::string_view user_id) = 0;
  // The user's sessions that expire after `now_ms`, except the one with `keep_token`.
  //   DELETE FROM session WHERE userId = ? AND token <> ?keep AND expiresAt > ?now
  virtual Status DeleteOtherSessions(std::string_view user_id, std::string_view keep_token,
                                     int64_t now_ms) = 0;
  // The user's accounts (every provider), in the table's order.
  //   SELECT * FROM account WHERE userId = ?
  virtual Result<std::vector<ListedAccount>> ListAccounts(std::string_view user_id) = 0;
  // Writes name, image, emailVerified and updatedAt of the user `user.id` (other columns stay).
  // kNotFound if there is no such user.
  //   UPDATE user SET name = ?, image = ?, emailVerified = ?, updatedAt = ? WHERE id = ?
  virtual Status UpdateUser(const UserRow& user) = 0;
  // Transaction: the user's sessions, accounts, then the user. No such user: not an error.
  //   DELETE FROM session WHERE userId = ?; DELETE FROM account WHERE userId = ?;
  //   DELETE FROM user WHERE id = ?
  virtual Status DeleteUser(std::string_view user_id) = 0;
  virtual Status InsertVerification(const VerificationRow& row) = 0;
  // The work of InsertVerification, undone in the same transaction: nothing changes. A request
  // for an unknown email does it, so that it costs what one for a known email does.
  //   BEGIN; INSERT INTO verification ...; DELETE FROM verification WHERE id = ?; COMMIT
  virtual Status RehearseVerification(const VerificationRow& row) = 0;
  // The newest row with this identifier (expired or not), or nullopt.
  //   SELECT * FROM verification WHERE identifier = ? ORDER BY createdAt DESC LIMIT 1
  virtual Result<std::optional<VerificationRow>> FindVerification(std::string_view identifier) = 0;
  // Transaction, in this order (see PasswordChange): consume the verification rows (when the
  // newest by createdAt is live at now_ms: DELETE FROM verification WHERE identifier = ?;
  // otherwise kNotFound and nothing is written), delete the user's sessions (revoke_sessions), set the
  // password of the user's credential account (UPDATE account SET password = ?, updatedAt = ?
  // WHERE userId = ? AND providerId = 'credential'; INSERT one if none was updated), insert
  // new_session.
  virtual Status SetPassword(const PasswordChange& change) = 0;

  // --- Any table, as Better Auth's adapter sees it (for server/plugins/). ---
  // Names (tables, columns, sort_by) must be plain, [A-Za-z0-9_]: kInvalidArgument otherwise.
  // Values are read and written as the declared types say (rows.h FieldType); a column of the
  // core tables has Better Auth's type.

  // Records the field types of `tables` (reads of the user's and session's other columns and of
  // FindRows are typed by them) and, unless the store is read-only, adds the tables and columns
  // the store lacks, as Better Auth's migration would. Existing data is never touched.
  virtual Status DeclareTables(const std::vector<TableDecl>& tables) = 0;
  // The columns of `table`, in table order; empty if there is no such table.
  virtual Result<std::vector<std::string>> Columns(std::string_view table) = 0;
  //   SELECT * FROM table WHERE ... [ORDER BY sort_by] [LIMIT] [OFFSET]
  virtual Result<std::vector<Row>> FindRows(std::string_view table, const std::vector<Where>& where,
                                            const FindOptions& options = {}) = 0;
  //   SELECT count(*) FROM table WHERE ...
  virtual Result<int64_t> CountRows(std::string_view table, const std::vector<Where>& where) = 0;
  // kConflict if a uniqueness rule is broken (nothing is written then).
  virtual Status InsertRow(std::string_view table, const Row& row) = 0;
  // Returns the number of rows changed.  UPDATE table SET ... WHERE ...
  virtual Result<int64_t> UpdateRows(std::string_view table, const std::vector<Where>& where,
                                     const Row& set) = 0;
  // Returns the number of rows deleted.  DELETE FROM table WHERE ...
  virtual Result<int64_t> DeleteRows(std::string_view table, const std::vector<Where>& where) = 0;

  // One request against Better Auth's rateLimit table (key, count, lastRequest), decided and
  // written in one write transaction, so every instance on the store shares the count: no row,
  // or one older than the window: {count 1, lastRequest now}, allowed; count below max: count+1,
  // allowed; otherwise refused and unchanged. The table must have been declared.
  virtual Result<RateLimitStep> ConsumeRateLimit(const RateLimitRequest& request) = 0;

  // Every jwks row, by createdAt then id.
  virtual Result<std::vector<JwkRow>> ListJwks() = 0;
  // Inserts `row` unless the table already holds a key of algorithm `alg` (or with NULL alg)
  // that has not expired at `now_ms`: checked and written in one write transaction, so several
  // processes make one key between them. Returns whether `row` was inserted.
  virtual Result<bool> InsertJwkUnlessLiveExists(const JwkRow& row, std::string_view alg,
                                                 int64_t now_ms) = 0;

  // Reads the jwks rows inside one write transaction (BEGIN IMMEDIATE on SQLite), asks `plan`
  // what to change given them, applies it and commits. Because `plan` sees the rows under the
  // write lock, several processes that plan the same step make it once between them. Inserts
  // are recorded in ba_issuer_key with created `now_ms`, revokes with revoked `now_ms`.
  // Returns whether anything was written (false when `plan` returned nullopt).
  using JwkPlanner = std::function<std::optional<JwkChange>(const std::vector<JwkRow>& rows)>;
  virtual Result<bool> ChangeJwks(const JwkPlanner& plan, int64_t now_ms) = 0;
  // ba-issuer's records of the keys it made or revoked.
  virtual Result<std::vector<KeyRecord>> ListKeyRecords() = 0;

  // The change signal: a number that changes whenever another connection or process commits
  // (SQLite: PRAGMA data_version; PostgreSQL: a NOTIFY on ba_jwks, a reconnection, or the slow
  // poll). Cheap, for polling. Constant for a private in-memory store.
  virtual Result<int64_t> DataVersion() = 0;

  // One line for the start-up log: which store, and what it found (PostgreSQL: the schema, the
  // column naming and the date type). Empty when there is nothing to say.
  virtual std::string Description() const { return ""; }
};

enum class OpenMode {
  kReadWrite,  // creates the database if needed and brings its schema up to Better Auth 1.7
  kReadOnly,   // never writes, never migrates; the database must exist (doctor, keys list)
};

// Opens the store named by `location`: a postgres:// or postgresql:// URL (storage/postgres/),
// a SQLite file path, or ":memory:" for a private in-memory database. kUnavailable if it cannot
// be opened.
Result<std::unique_ptr<Repository>> OpenRepository(const std::string& location,
                                                   OpenMode mode = OpenMode::kReadWrite);

// The files a store at `location` keeps on disk: a SQLite file and its -wal and -shm (whether
// they exist or not); none for PostgreSQL and ":memory:". The store creates each of them with
// mode 0600 whatever the umask.
std::vector<std::string> StoreFiles(const std::string& location);

// `location` fit for a message or a log line: a URL's password replaced by "***".
std::string RedactLocation(const std::string& location);

}  // namespace issuer::storage
