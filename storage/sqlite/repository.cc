#include "storage/sqlite/repository.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstdio>

#include "common/time_format.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/tables.h"
#include "storage/sqlite/transaction.h"

namespace issuer::storage {
namespace {

// Sessions kept by the SessionCache, and for how long at most (see there).
constexpr size_t kCachedSessions = 1024;
constexpr std::chrono::milliseconds kCachedSessionMaxAge{1000};

}  // namespace

// A fixed set of connections; Acquire() blocks until one is free, or until a deadline.
class SqliteRepository::Pool {
 public:
  // A borrowed connection, returned to the pool when the handle goes. Move-only.
  class Handle {
   public:
    Handle(Pool& pool, std::unique_ptr<Connection> conn) : pool_(&pool), conn_(std::move(conn)) {}
    Handle(Handle&& other) noexcept = default;
    ~Handle() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }
    // Puts `fresh` in the pool in place of the borrowed connection, which is closed.
    void Replace(std::unique_ptr<Connection> fresh) { conn_ = std::move(fresh); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  static Result<std::unique_ptr<Pool>> Open(const std::string& path, bool in_memory, int size,
                                            bool read_only = false) {
    auto pool = std::make_unique<Pool>();
    pool->path_ = path;
    pool->in_memory_ = in_memory;
    for (int i = 0; i < size; ++i) {
      auto conn = Connection::Open(path, in_memory, read_only);
      if (!conn.ok()) return conn.error();
      pool->idle_.push_back(std::move(*conn));
    }
    return pool;
  }

  Handle Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty(); });
    return Take();
  }

  // nullopt if no connection came free before `deadline`.
  std::optional<Handle> Acquire(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_until(lock, deadline, [this] { return !idle_.empty(); })) return std::nullopt;
    return Take();
  }

  // A connection for a write, within one busy timeout in all: waiting behind this process's
  // other writes counts, and what is left of it is SQLite's wait for another process's lock.
  // A connection opened while the file was not writable (SQLite then opens it read-only for
  // good) is replaced by a fresh one once the file is writable again.
  Result<Handle> AcquireWriter() {
    const auto deadline = std::chrono::steady_clock::now() + kBusyTimeout;
    std::optional<Handle> conn = Acquire(deadline);
    if (!conn) return Error{Errc::kUnavailable, "timed out waiting for other writes"};
    if (!in_memory_ && (*conn)->read_only()) {
      auto fresh = Connection::Open(path_, false);
      if (fresh.ok() && !(*fresh)->read_only()) conn->Replace(std::move(*fresh));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    (*conn)->SetBusyTimeout(std::max(left, std::chrono::milliseconds(1)));
    return std::move(*conn);
  }

 private:
  // REQUIRES: mu_ held, idle_ not empty.
  Handle Take() {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Handle(*this, std::move(conn));
  }

  void Release(std::unique_ptr<Connection> conn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::string path_;
  bool in_memory_ = false;
};

namespace {

std::string Quote(const std::string& name) { return "\"" + name + "\""; }

std::string SelectList(const std::string& alias, const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + alias + "." + Quote(c);
  return out;
}

// Better Auth writes ISO text; tolerate integer milliseconds from other writers.
int64_t ColumnTime(const Statement& st, int col) {
  if (st.ColumnType(col) == SQLITE_INTEGER) return st.ColumnInt64(col);
  return ParseIsoMs(st.ColumnText(col)).value_or(0);
}

std::optional<int64_t> ColumnOptionalTime(const Statement& st, int col) {
  if (st.ColumnIsNull(col)) return std::nullopt;
  return ColumnTime(st, col);
}

ColumnValue ColumnAsValue(const Statement& st, int col) {
  switch (st.ColumnType(col)) {
    case SQLITE_INTEGER:
      return st.ColumnInt64(col);
    case SQLITE_FLOAT:
      return st.ColumnDouble(col);
    case SQLITE_TEXT:
      return st.ColumnText(col);
    default:
      return std::monostate();  // NULL; blobs are not carried
  }
}

bool ColumnBool(const Statement& st, int col) {
  if (st.ColumnType(col) == SQLITE_TEXT) return st.ColumnText(col) == "true";
  return st.ColumnInt64(col) != 0;
}

UserRow ReadUser(const Statement& st, int first, const std::vector<std::string>& columns,
                 const FieldTypes& types) {
  UserRow u;
  for (size_t i = 0; i < columns.size(); ++i) {
    const int c = first + static_cast<int>(i);
    const std::string& name = columns[i];
    if (name == "id") u.id = st.ColumnText(c);
    else if (name == "name") u.name = st.ColumnText(c);
    else if (name == "email") u.email = st.ColumnText(c);
    else if (name == "emailVerified") u.email_verified = ColumnBool(st, c);
    else if (name == "image") u.image = st.ColumnOptionalText(c);
    else if (name == "createdAt") u.created_at_ms = ColumnTime(st, c);
    else if (name == "updatedAt") u.updated_at_ms = ColumnTime(st, c);
    else u.extra.push_back({name, ColumnAsValue(st, c)});
  }
  ApplyTypes(types, &u.extra);
  return u;
}

SessionRow ReadSession(const Statement& st, int first, const std::vector<std::string>& columns,
                       const FieldTypes& types) {
  SessionRow s;
  for (size_t i = 0; i < columns.size(); ++i) {
    const int c = first + static_cast<int>(i);
    const std::string& name = columns[i];
    if (name == "id") s.id = st.ColumnText(c);
    else if (name == "token") s.token = st.ColumnText(c);
    else if (name == "userId") s.user_id = st.ColumnText(c);
    else if (name == "expiresAt") s.expires_at_ms = ColumnTime(st, c);
    else if (name == "createdAt") s.created_at_ms = ColumnTime(st, c);
    else if (name == "updatedAt") s.updated_at_ms = ColumnTime(st, c);
    else if (name == "ipAddress") s.ip_address = st.ColumnOptionalText(c);
    else if (name == "userAgent") s.user_agent = st.ColumnOptionalText(c);
    else s.extra.push_back({name, ColumnAsValue(st, c)});
  }
  ApplyTypes(types, &s.extra);
  return s;
}

// Runs a statement that returns no rows.
Status Run(Connection& conn, Statement& st, std::string_view context) {
  if (st.Step() == Statement::kError) return SqliteError(conn.handle(), st.last_rc(), context);
  return Status::Ok();
}

void BindValue(Statement& st, int index, const ColumnValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    st.BindInt64(index, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", *d);
    st.BindText(index, text);  // a "real" column stores it as REAL (type affinity)
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    st.BindText(index, *s);
  } else {
    st.BindNull(index);
  }
}

// Binds `column` as parameter `index`, as its type says (dates as ISO text).
void BindExtra(Statement& st, int index, const ExtraColumn& column) {
  if (column.type == FieldType::kDate && std::holds_alternative<int64_t>(column.value)) {
    st.BindText(index, FormatIsoMs(std::get<int64_t>(column.value)));
  } else {
    BindValue(st, index, column.value);
  }
}

Status InsertUser(Connection& conn, const UserRow& u) {
  std::string columns = R"("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt")";
  std::string values = "?1, ?2, ?3, ?4, ?5, ?6, ?7";
  for (size_t i = 0; i < u.extra.size(); ++i) {
    columns += ", " + Quote(u.extra[i].name);
    values += ", ?" + std::to_string(8 + i);
  }
  auto st = conn.Cached(R"(INSERT INTO "user" ()" + columns + ") VALUES (" + values + ")");
  if (!st.ok()) return st.error();
  for (size_t i = 0; i < u.extra.size(); ++i) {
    BindExtra(**st, static_cast<int>(8 + i), u.extra[i]);
  }
  (*st)->BindText(1, u.id);
  (*st)->BindText(2, u.name);
  (*st)->BindText(3, u.email);
  (*st)->BindInt64(4, u.email_verified ? 1 : 0);
  (*st)->BindOptionalText(5, u.image);
  (*st)->BindText(6, FormatIsoMs(u.created_at_ms));
  (*st)->BindText(7, FormatIsoMs(u.updated_at_ms));
  return Run(conn, **st, "insert user");
}

std::optional<std::string> OptionalIso(const std::optional<int64_t>& ms) {
  return ms ? std::optional<std::string>(FormatIsoMs(*ms)) : std::nullopt;
}

Status InsertAccount(Connection& conn, const AccountRow& a) {
  auto st = conn.Cached(
      R"(INSERT INTO "account" ("id", "accountId", "providerId", "userId", "password",)"
      R"( "createdAt", "updatedAt", "accessToken", "refreshToken", "idToken",)"
      R"( "accessTokenExpiresAt", "refreshTokenExpiresAt", "scope"))"
      R"( VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13))");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, a.id);
  (*st)->BindText(2, a.account_id);
  (*st)->BindText(3, a.provider_id);
  (*st)->BindText(4, a.user_id);
  (*st)->BindOptionalText(5, a.password);
  (*st)->BindText(6, FormatIsoMs(a.created_at_ms));
  (*st)->BindText(7, FormatIsoMs(a.updated_at_ms));
  (*st)->BindOptionalText(8, a.access_token);
  (*st)->BindOptionalText(9, a.refresh_token);
  (*st)->BindOptionalText(10, a.id_token);
  (*st)->BindOptionalText(11, OptionalIso(a.access_token_expires_at_ms));
  (*st)->BindOptionalText(12, OptionalIso(a.refresh_token_expires_at_ms));
  (*st)->BindOptionalText(13, a.scope);
  return Run(conn, **st, "insert account");
}

// The session and its other columns (a plugin's, such as impersonatedBy), which the table
// must have.
Status InsertSessionRow(Connection& conn, const SessionRow& s) {
  std::string columns = R"("id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress",)"
                        R"( "userAgent", "userId")";
  std::string values = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8";
  for (size_t i = 0; i < s.extra.size(); ++i) {
    if (!PlainName(s.extra[i].name)) {
      return Error{Errc::kInvalidArgument, "not a plain column name: " + s.extra[i].name};
    }
    columns += ", " + Quote(s.extra[i].name);
    values += ", ?" + std::to_string(9 + i);
  }
  auto st = conn.Cached(R"(INSERT INTO "session" ()" + columns + ") VALUES (" + values + ")");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, s.id);
  (*st)->BindText(2, FormatIsoMs(s.expires_at_ms));
  (*st)->BindText(3, s.token);
  (*st)->BindText(4, FormatIsoMs(s.created_at_ms));
  (*st)->BindText(5, FormatIsoMs(s.updated_at_ms));
  (*st)->BindOptionalText(6, s.ip_address);
  (*st)->BindOptionalText(7, s.user_agent);
  (*st)->BindText(8, s.user_id);
  for (size_t i = 0; i < s.extra.size(); ++i) BindExtra(**st, static_cast<int>(9 + i), s.extra[i]);
  return Run(conn, **st, "insert session");
}

const char* SqlType(const ColumnValue& value) {
  if (std::holds_alternative<int64_t>(value)) return "integer";
  if (std::holds_alternative<double>(value)) return "real";
  return "text";
}

// Adds the user columns `extra` names that the table lacks. Returns whether it added one.
Result<bool> AddUserColumns(Connection& conn, const std::vector<ExtraColumn>& extra) {
  if (extra.empty()) return false;
  auto existing = TableColumns(conn, "user");
  if (!existing.ok()) return existing.error();
  bool added = false;
  for (const ExtraColumn& column : extra) {
    if (!PlainName(column.name)) {
      return Error{Errc::kInvalidArgument, "not a plain column name: " + column.name};
    }
    if (std::find(existing->begin(), existing->end(), column.name) != existing->end()) continue;
    Status st = conn.Exec(R"(ALTER TABLE "user" ADD COLUMN )" + Quote(column.name) + " " +
                          SqlType(column.value));
    if (!st.ok()) return st.error();
    existing->push_back(column.name);
    added = true;
  }
  return added;
}

Result<bool> EmailTaken(Connection& conn, std::string_view email) {
  auto st = conn.Cached(R"(SELECT 1 FROM "user" WHERE "email" = ?1 LIMIT 1)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, email);
  const auto r = (*st)->Step();
  if (r == Statement::kError) return SqliteError(conn.handle(), (*st)->last_rc(), "find email");
  return r == Statement::kRow;
}

Result<std::vector<JwkRow>> ReadJwks(Connection& conn) {
  auto st = conn.Cached(
      R"(SELECT "id", "publicKey", "privateKey", "createdAt", "expiresAt", "alg", "crv")"
      R"( FROM "jwks" ORDER BY "createdAt", "id")");
  if (!st.ok()) return st.error();
  std::vector<JwkRow> rows;
  Statement::StepResult r;
  while ((r = (*st)->Step()) == Statement::kRow) {
    const Statement& s = **st;
    rows.push_back(JwkRow{s.ColumnText(0), s.ColumnText(1), s.ColumnText(2), ColumnTime(s, 3),
                          ColumnOptionalTime(s, 4), s.ColumnOptionalText(5),
                          s.ColumnOptionalText(6)});
  }
  if (r == Statement::kError) return SqliteError(conn.handle(), (*st)->last_rc(), "list jwks");
  return rows;
}

// Inserts a jwks row, and ba-issuer's record of it (made at `now_ms`).
Status InsertJwk(Connection& conn, const JwkRow& row, int64_t now_ms) {
  auto st = conn.Cached(
      R"(INSERT INTO "jwks" ("id", "publicKey", "privateKey", "createdAt", "expiresAt", "alg",)"
      R"( "crv") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7))");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, row.id);
  (*st)->BindText(2, row.public_key);
  (*st)->BindText(3, row.private_key);
  (*st)->BindText(4, FormatIsoMs(row.created_at_ms));
  if (row.expires_at_ms) (*st)->BindText(5, FormatIsoMs(*row.expires_at_ms));
  (*st)->BindOptionalText(6, row.alg);
  (*st)->BindOptionalText(7, row.crv);
  Status inserted = Run(conn, **st, "insert jwk");
  if (!inserted.ok()) return inserted;
  auto record = conn.Cached(
      R"(INSERT OR REPLACE INTO "ba_issuer_key" ("id", "alg", "createdAt", "revokedAt"))"
      R"( VALUES (?1, ?2, ?3, NULL))");
  if (!record.ok()) return record.error();
  (*record)->BindText(1, row.id);
  (*record)->BindOptionalText(2, row.alg);
  (*record)->BindText(3, FormatIsoMs(now_ms));
  return Run(conn, **record, "record jwk");
}

Status SetJwkExpiry(Connection& conn, const std::string& id, int64_t expires_at_ms) {
  auto st = conn.Cached(R"(UPDATE "jwks" SET "expiresAt" = ?1 WHERE "id" = ?2)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, FormatIsoMs(expires_at_ms));
  (*st)->BindText(2, id);
  return Run(conn, **st, "expire jwk");
}

// Deletes a jwks row (out of Better Auth's JWKS and signing at once) and records the revocation.
Status RevokeJwk(Connection& conn, const std::string& id, int64_t now_ms) {
  auto record = conn.Cached(
      R"(INSERT INTO "ba_issuer_key" ("id", "alg", "createdAt", "revokedAt"))"
      R"( SELECT "id", "alg", "createdAt", ?2 FROM "jwks" WHERE "id" = ?1)"
      R"( ON CONFLICT ("id") DO UPDATE SET "revokedAt" = ?2)");
  if (!record.ok()) return record.error();
  (*record)->BindText(1, id);
  (*record)->BindText(2, FormatIsoMs(now_ms));
  Status st = Run(conn, **record, "record revocation");
  if (!st.ok()) return st;
  auto del = conn.Cached(R"(DELETE FROM "jwks" WHERE "id" = ?1)");
  if (!del.ok()) return del.error();
  (*del)->BindText(1, id);
  return Run(conn, **del, "delete jwk");
}


// Runs `sql` with `texts` bound as ?1, ?2, ...; returns the number of rows changed.
Result<int> RunTexts(Connection& conn, const std::string& sql,
                     const std::vector<std::string>& texts, std::string_view context) {
  auto st = conn.Cached(sql);
  if (!st.ok()) return st.error();
  for (size_t i = 0; i < texts.size(); ++i) (*st)->BindText(static_cast<int>(i + 1), texts[i]);
  if (Status run = Run(conn, **st, context); !run.ok()) return run.error();
  return sqlite3_changes(conn.handle());
}

constexpr char kAccountColumns[] =
    R"("id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt", "scope")";

ListedAccount ReadAccount(const Statement& s) {
  return {AccountRow{s.ColumnText(0), s.ColumnText(1), s.ColumnText(2), s.ColumnText(3),
                     s.ColumnOptionalText(4), ColumnTime(s, 5), ColumnTime(s, 6)},
          s.ColumnOptionalText(7)};
}

// Deletes every verification row of `identifier` if its newest one is live at `now_ms`;
// kNotFound (nothing deleted) if there is none or it has expired.
Status ConsumeVerification(Connection& conn, const std::string& identifier, int64_t now_ms) {
  bool live = false;
  {
    auto st = conn.Cached(R"(SELECT "expiresAt" FROM "verification" WHERE "identifier" = ?1)"
                          R"( ORDER BY "createdAt" DESC LIMIT 1)");
    if (!st.ok()) return st.error();
    (*st)->BindText(1, identifier);
    const auto r = (*st)->Step();
    if (r == Statement::kError) return SqliteError(conn.handle(), (*st)->last_rc(), "verification");
    live = r == Statement::kRow && ColumnTime(**st, 0) >= now_ms;
  }
  if (!live) return Error{Errc::kNotFound, "no live verification row"};
  auto deleted = RunTexts(conn, R"(DELETE FROM "verification" WHERE "identifier" = ?1)",
                          {identifier}, "consume verification");
  if (!deleted.ok()) return deleted.error();
  return Status::Ok();
}

// Sets the password of the user's credential account, or makes that account.
Status WritePassword(Connection& conn, const PasswordChange& c) {
  const std::string now = FormatIsoMs(c.now_ms);
  auto updated = RunTexts(conn,
                          R"(UPDATE "account" SET "password" = ?1, "updatedAt" = ?2)"
                          R"( WHERE "userId" = ?3 AND "providerId" = 'credential')",
                          {c.password_hash, now, c.user_id}, "update password");
  if (!updated.ok()) return updated.error();
  if (*updated > 0) return Status::Ok();
  return InsertAccount(conn, AccountRow{c.new_account_id, c.user_id, "credential", c.user_id,
                                        c.password_hash, c.now_ms, c.now_ms});
}
}  // namespace

SqliteRepository::~SqliteRepository() = default;

Result<std::unique_ptr<SqliteRepository>> SqliteRepository::Open(const std::string& path,
                                                                  OpenMode mode, int readers) {
  std::unique_ptr<SqliteRepository> repo(new SqliteRepository());
  Status st = repo->Init(path, mode, readers);
  if (!st.ok()) return st.error();
  return repo;
}

namespace {

// SQLite creates a new database file 0644 less the umask, and its -wal and -shm with the
// database file's mode: so the file is made first, empty (a new database to SQLite), 0600.
// An existing file keeps its mode (the server warns of one open to others). Where the file
// cannot be made, SQLite's own open then says why.
void CreatePrivateFile(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
}

Error ReadOnlyError() { return Error{Errc::kUnavailable, "the store was opened read-only"}; }

}  // namespace


Status SqliteRepository::Init(const std::string& path, OpenMode mode, int readers) {
  const bool in_memory = path == ":memory:" || path.empty();
  const bool read_only = mode == OpenMode::kReadOnly;
  if (in_memory && read_only) {
    return Error{Errc::kInvalidArgument, "an in-memory database cannot be opened read-only"};
  }
  if (!read_only) {
    if (!in_memory) CreatePrivateFile(path);
    auto writer = Pool::Open(in_memory ? ":memory:" : path, in_memory, 1);
    if (!writer.ok()) return writer.error();
    writer_ = std::move(*writer);
    auto conn = writer_->Acquire();
    Status migrated = Migrate(*conn);
    if (!migrated.ok()) return migrated;
  }
  if (!in_memory) {
    auto pool = Pool::Open(path, false, readers, read_only);
    if (!pool.ok()) return pool.error();
    readers_ = std::move(*pool);
    auto watcher = Pool::Open(path, false, 1, read_only);
    if (!watcher.ok()) return watcher.error();
    watcher_ = std::move(*watcher);
  }
  Status loaded = LoadColumns();
  if (!loaded.ok()) return loaded;
  if (!in_memory) OpenStamp();
  return Status::Ok();
}

void SqliteRepository::OpenStamp() {
  auto conn = watcher_->Acquire();
  {
    auto mode = conn->Cached("PRAGMA journal_mode");
    if (!mode.ok() || (*mode)->Step() != Statement::kRow || (*mode)->ColumnText(0) != "wal") {
      return;
    }
  }
  {
    auto version = conn->Cached("PRAGMA data_version");  // a read: SQLite maps the wal-index
    if (!version.ok() || (*version)->Step() != Statement::kRow) return;
  }
  // The watcher connection outlives stamp_ (member order) and never leaves WAL mode.
  stamp_ = WalStamp::Open(conn->handle());
  if (stamp_) sessions_ = std::make_unique<SessionCache<WalStamp::Value>>(kCachedSessions, kCachedSessionMaxAge);
}

// The user and session columns (Better Auth's plus any an app added), read once, so the hot
// queries are built and prepared once.
Status SqliteRepository::LoadColumns() {
  auto conn = Reader().Acquire();
  auto users = TableColumns(*conn, "user");
  auto sessions = TableColumns(*conn, "session");
  if (!users.ok()) return users.error();
  if (!sessions.ok()) return sessions.error();
  auto q = std::make_shared<Queries>();
  q->user_columns = std::move(*users);
  q->session_columns = std::move(*sessions);
  q->user_types = DeclaredTypes("user");
  q->session_types = DeclaredTypes("session");
  q->find_session = "SELECT " + SelectList("s", q->session_columns) + ", " +
                    SelectList("u", q->user_columns) +
                    R"( FROM "session" s JOIN "user" u ON u."id" = s."userId")"
                    R"( WHERE s."token" = ?1)";
  q->find_credential = "SELECT " + SelectList("u", q->user_columns) +
                       R"(, a."password" FROM "user" u LEFT JOIN "account" a)"
                       R"( ON a."userId" = u."id" AND a."providerId" = 'credential')"
                       R"( WHERE u."email" = ?1 LIMIT 1)";
  queries_.Set(std::move(q));
  return Status::Ok();
}

SqliteRepository::Pool& SqliteRepository::Reader() const {
  return readers_ ? *readers_ : *writer_;
}

Result<std::optional<SessionWithUser>> SqliteRepository::FindSessionWithUser(
    std::string_view token) {
  if (!sessions_) return QuerySessionWithUser(token);
  const auto stamp = stamp_->Read();  // before the row, which is then at least this new
  if (!stamp) return QuerySessionWithUser(token);
  return sessions_->FindOrQuery(token, *stamp,
                                [this](std::string_view t) { return QuerySessionWithUser(t); });
}

Result<std::optional<SessionWithUser>> SqliteRepository::QuerySessionWithUser(
    std::string_view token) {
  const std::shared_ptr<const Queries> q = queries();
  auto conn = Reader().Acquire();
  auto st = conn->Cached(q->find_session);
  if (!st.ok()) return st.error();
  (*st)->BindText(1, token);
  const auto r = (*st)->Step();
  if (r == Statement::kError) return SqliteError(conn->handle(), (*st)->last_rc(), "find session");
  if (r == Statement::kDone) return std::optional<SessionWithUser>();
  SessionWithUser found{
      ReadSession(**st, 0, q->session_columns, q->session_types),
      ReadUser(**st, static_cast<int>(q->session_columns.size()), q->user_columns,
               q->user_types)};
  return std::optional<SessionWithUser>(std::move(found));
}

Result<std::optional<CredentialUser>> SqliteRepository::FindCredentialUser(std::string_view email) {
  const std::shared_ptr<const Queries> q = queries();
  auto conn = Reader().Acquire();
  auto st = conn->Cached(q->find_credential);
  if (!st.ok()) return st.error();
  (*st)->BindText(1, email);
  const auto r = (*st)->Step();
  if (r == Statement::kError) return SqliteError(conn->handle(), (*st)->last_rc(), "find user");
  if (r == Statement::kDone) return std::optional<CredentialUser>();
  const int password_col = static_cast<int>(q->user_columns.size());
  CredentialUser found{ReadUser(**st, 0, q->user_columns, q->user_types),
                       (*st)->ColumnOptionalText(password_col)};
  return std::optional<CredentialUser>(std::move(found));
}

Status SqliteRepository::CreateUserWithAccount(const UserRow& user, const AccountRow& account,
                                    const SessionRow& session) {
  return WriteUser(user, &account, &session);
}

Status SqliteRepository::CreateUser(const UserRow& user, const std::optional<AccountRow>& account) {
  return WriteUser(user, account ? &*account : nullptr, nullptr);
}

Status SqliteRepository::AddAccount(const AccountRow& account) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  Pool::Handle& conn = *writer;
  return InsertAccount(*conn, account);
}

Status SqliteRepository::WriteUser(const UserRow& user, const AccountRow* account,
                                   const SessionRow* session) {
  if (!writer_) return ReadOnlyError();
  bool added = false;
  {
    auto writer = writer_->AcquireWriter();
    if (!writer.ok()) return writer.error();
    Pool::Handle& conn = *writer;
    auto tx = Transaction::Begin(*conn);
    if (!tx.ok()) return tx.error();
    auto taken = EmailTaken(*conn, user.email);
    if (!taken.ok()) return taken.error();
    if (*taken) return Error{Errc::kConflict, "email taken"};
    auto columns = AddUserColumns(*conn, user.extra);
    if (!columns.ok()) return columns.error();
    added = *columns;
    Status st = InsertUser(*conn, user);
    if (st.ok() && account) st = InsertAccount(*conn, *account);
    if (st.ok() && session) st = InsertSessionRow(*conn, *session);
    if (!st.ok()) return st;
    if (Status committed = (*tx)->Commit(); !committed.ok()) return committed;
  }
  // New columns: the lookups select them from now on.
  return added ? LoadColumns() : Status::Ok();
}

Status SqliteRepository::DeleteUsers() {
  return InTransaction([](Connection& conn) -> Status {
    for (const char* table : {"session", "account", "verification", "user"}) {
      Status st = conn.Exec(std::string("DELETE FROM \"") + table + "\"");
      if (!st.ok()) return st;
    }
    return Status::Ok();
  });
}

Status SqliteRepository::InsertSession(const SessionRow& session) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  Pool::Handle& conn = *writer;
  return InsertSessionRow(*conn, session);
}

Status SqliteRepository::DeleteSession(std::string_view token) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  Pool::Handle& conn = *writer;
  auto st = conn->Cached(R"(DELETE FROM "session" WHERE "token" = ?1)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, token);
  return Run(*conn, **st, "delete session");
}

Status SqliteRepository::UpdateSessionExpiry(std::string_view session_id, int64_t expires_at_ms,
                                  int64_t updated_at_ms) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  Pool::Handle& conn = *writer;
  auto st = conn->Cached(R"(UPDATE "session" SET "expiresAt" = ?1, "updatedAt" = ?2 WHERE "id" = ?3)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, FormatIsoMs(expires_at_ms));
  (*st)->BindText(2, FormatIsoMs(updated_at_ms));
  (*st)->BindText(3, session_id);
  return Run(*conn, **st, "update session");
}

Result<std::vector<JwkRow>> SqliteRepository::ListJwks() {
  auto conn = Reader().Acquire();
  return ReadJwks(*conn);
}

Result<bool> SqliteRepository::InsertJwkUnlessLiveExists(const JwkRow& row, std::string_view alg,
                                                         int64_t now_ms) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  Pool::Handle& conn = *writer;
  auto tx = Transaction::Begin(*conn);
  if (!tx.ok()) return tx.error();
  {
    auto live = conn->Cached(
        R"(SELECT 1 FROM "jwks" WHERE ("alg" = ?1 OR "alg" IS NULL))"
        R"( AND ("expiresAt" IS NULL OR "expiresAt" > ?2) LIMIT 1)");
    if (!live.ok()) return live.error();
    (*live)->BindText(1, alg);
    (*live)->BindText(2, FormatIsoMs(now_ms));
    const auto r = (*live)->Step();
    if (r == Statement::kError) return SqliteError(conn->handle(), (*live)->last_rc(), "jwks");
    if (r == Statement::kRow) return false;
  }
  Status inserted = InsertJwk(*conn, row, now_ms);
  if (!inserted.ok()) return inserted.error();
  Status committed = (*tx)->Commit();
  if (!committed.ok()) return committed.error();
  return true;
}

Result<bool> SqliteRepository::ChangeJwks(const JwkPlanner& plan, int64_t now_ms) {
  if (!writer_) return ReadOnlyError();
  auto conn = writer_->Acquire();
  auto tx = Transaction::Begin(*conn);
  if (!tx.ok()) return tx.error();
  auto rows = ReadJwks(*conn);
  if (!rows.ok()) return rows.error();
  const std::optional<JwkChange> change = plan(*rows);
  if (!change) return false;
  for (const JwkRow& row : change->inserts) {
    if (Status st = InsertJwk(*conn, row, now_ms); !st.ok()) return st.error();
  }
  for (const auto& [id, expires_at_ms] : change->expiries) {
    if (Status st = SetJwkExpiry(*conn, id, expires_at_ms); !st.ok()) return st.error();
  }
  for (const std::string& id : change->revokes) {
    if (Status st = RevokeJwk(*conn, id, now_ms); !st.ok()) return st.error();
  }
  Status committed = (*tx)->Commit();
  if (!committed.ok()) return committed.error();
  return true;
}

Result<std::vector<KeyRecord>> SqliteRepository::ListKeyRecords() {
  auto conn = Reader().Acquire();
  auto st = conn->Cached(R"(SELECT "id", "alg", "createdAt", "revokedAt" FROM "ba_issuer_key")"
                         R"( ORDER BY "createdAt", "id")");
  if (!st.ok()) return st.error();
  std::vector<KeyRecord> records;
  Statement::StepResult r;
  while ((r = (*st)->Step()) == Statement::kRow) {
    const Statement& s = **st;
    records.push_back(KeyRecord{s.ColumnText(0), s.ColumnOptionalText(1), ColumnTime(s, 2),
                                ColumnOptionalTime(s, 3)});
  }
  if (r == Statement::kError) return SqliteError(conn->handle(), (*st)->last_rc(), "key records");
  return records;
}

Result<int64_t> SqliteRepository::DataVersion() {
  if (!watcher_) return int64_t{0};
  const auto stamp = stamp_ ? stamp_->Read() : std::nullopt;
  if (stamp) {
    std::lock_guard<std::mutex> lock(memo_mu_);
    if (memo_ && memo_->stamp == *stamp) return memo_->version;  // nothing committed since
  }
  auto conn = watcher_->Acquire();
  auto st = conn->Cached("PRAGMA data_version");
  if (!st.ok()) return st.error();
  if ((*st)->Step() != Statement::kRow) {
    return SqliteError(conn->handle(), (*st)->last_rc(), "data_version");
  }
  const int64_t version = (*st)->ColumnInt64(0);
  if (stamp) {
    std::lock_guard<std::mutex> lock(memo_mu_);
    memo_ = VersionMemo{*stamp, version};
  }
  return version;
}

Status SqliteRepository::WriteTexts(const std::string& sql, const std::vector<std::string>& texts,
                                    std::string_view context) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  auto changed = RunTexts(**writer, sql, texts, context);
  if (!changed.ok()) return changed.error();
  return Status::Ok();
}

Result<std::optional<UserRow>> SqliteRepository::FindUserById(std::string_view user_id) {
  const std::shared_ptr<const Queries> q = queries();
  auto conn = Reader().Acquire();
  auto st = conn->Cached("SELECT " + SelectList("u", q->user_columns) +
                         R"( FROM "user" u WHERE u."id" = ?1)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, user_id);
  const auto r = (*st)->Step();
  if (r == Statement::kError) return SqliteError(conn->handle(), (*st)->last_rc(), "find user");
  if (r == Statement::kDone) return std::optional<UserRow>();
  return std::optional<UserRow>(ReadUser(**st, 0, q->user_columns, q->user_types));
}

Result<std::vector<SessionRow>> SqliteRepository::ListUserSessions(std::string_view user_id,
                                                                   int64_t now_ms) {
  const std::shared_ptr<const Queries> q = queries();
  auto conn = Reader().Acquire();
  auto st = conn->Cached("SELECT " + SelectList("s", q->session_columns) +
                         R"( FROM "session" s WHERE s."userId" = ?1 AND s."expiresAt" > ?2)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, user_id);
  (*st)->BindText(2, FormatIsoMs(now_ms));
  std::vector<SessionRow> rows;
  Statement::StepResult r;
  while ((r = (*st)->Step()) == Statement::kRow) rows.push_back(ReadSession(**st, 0, q->session_columns, q->session_types));
  if (r == Statement::kError) return SqliteError(conn->handle(), (*st)->last_rc(), "list sessions");
  return rows;
}

Status SqliteRepository::DeleteUserSessions(std::string_view user_id) {
  return WriteTexts(R"(DELETE FROM "session" WHERE "userId" = ?1)", {std::string(user_id)},
                    "delete sessions");
}

Status SqliteRepository::DeleteOtherSessions(std::string_view user_id, std::string_view keep_token,
                                             int64_t now_ms) {
  return WriteTexts(R"(DELETE FROM "session" WHERE "userId" = ?1 AND "token" <> ?2)"
                    R"( AND "expiresAt" > ?3)",
                    {std::string(user_id), std::string(keep_token), FormatIsoMs(now_ms)},
                    "delete other sessions");
}

Result<std::vector<ListedAccount>> SqliteRepository::ListAccounts(std::string_view user_id) {
  auto conn = Reader().Acquire();
  auto st = conn->Cached(std::string("SELECT ") + kAccountColumns +
                         R"( FROM "account" WHERE "userId" = ?1)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, user_id);
  std::vector<ListedAccount> rows;
  Statement::StepResult r;
  while ((r = (*st)->Step()) == Statement::kRow) rows.push_back(ReadAccount(**st));
  if (r == Statement::kError) return SqliteError(conn->handle(), (*st)->last_rc(), "list accounts");
  return rows;
}

Status SqliteRepository::UpdateUser(const UserRow& user) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  Pool::Handle& conn = *writer;
  auto st = conn->Cached(R"(UPDATE "user" SET "name" = ?1, "image" = ?2, "emailVerified" = ?3,)"
                         R"( "updatedAt" = ?4 WHERE "id" = ?5)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, user.name);
  (*st)->BindOptionalText(2, user.image);
  (*st)->BindInt64(3, user.email_verified ? 1 : 0);
  (*st)->BindText(4, FormatIsoMs(user.updated_at_ms));
  (*st)->BindText(5, user.id);
  if (Status run = Run(*conn, **st, "update user"); !run.ok()) return run;
  if (sqlite3_changes(conn->handle()) == 0) return Error{Errc::kNotFound, "no such user"};
  return Status::Ok();
}

Status SqliteRepository::InTransaction(const std::function<Status(Connection&)>& body) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  Pool::Handle& conn = *writer;
  auto tx = Transaction::Begin(*conn);
  if (!tx.ok()) return tx.error();
  if (Status st = body(*conn); !st.ok()) return st;
  return (*tx)->Commit();
}

Status SqliteRepository::DeleteUser(std::string_view user_id) {
  return InTransaction([&](Connection& conn) -> Status {
    for (const char* sql : {R"(DELETE FROM "session" WHERE "userId" = ?1)",
                            R"(DELETE FROM "account" WHERE "userId" = ?1)",
                            R"(DELETE FROM "user" WHERE "id" = ?1)"}) {
      auto run = RunTexts(conn, sql, {std::string(user_id)}, "delete user");
      if (!run.ok()) return run.error();
    }
    return Status::Ok();
  });
}

namespace {

constexpr char kInsertVerification[] =
    R"(INSERT INTO "verification" ("id", "identifier", "value", "expiresAt", "createdAt",)"
    R"( "updatedAt") VALUES (?1, ?2, ?3, ?4, ?5, ?6))";

std::vector<std::string> VerificationTexts(const VerificationRow& row) {
  return {row.id, row.identifier, row.value, FormatIsoMs(row.expires_at_ms),
          FormatIsoMs(row.created_at_ms), FormatIsoMs(row.updated_at_ms)};
}

}  // namespace

Status SqliteRepository::InsertVerification(const VerificationRow& row) {
  return WriteTexts(kInsertVerification, VerificationTexts(row), "insert verification");
}

Status SqliteRepository::RehearseVerification(const VerificationRow& row) {
  return InTransaction([&](Connection& conn) -> Status {
    auto inserted = RunTexts(conn, kInsertVerification, VerificationTexts(row), "rehearse");
    if (!inserted.ok()) return inserted.error();
    auto deleted = RunTexts(conn, R"(DELETE FROM "verification" WHERE "id" = ?1)", {row.id},
                            "rehearse");
    if (!deleted.ok()) return deleted.error();
    return Status::Ok();
  });
}

Result<std::optional<VerificationRow>> SqliteRepository::FindVerification(
    std::string_view identifier) {
  auto conn = Reader().Acquire();
  auto st = conn->Cached(
      R"(SELECT "id", "identifier", "value", "expiresAt", "createdAt", "updatedAt")"
      R"( FROM "verification" WHERE "identifier" = ?1 ORDER BY "createdAt" DESC LIMIT 1)");
  if (!st.ok()) return st.error();
  (*st)->BindText(1, identifier);
  const auto r = (*st)->Step();
  if (r == Statement::kError) return SqliteError(conn->handle(), (*st)->last_rc(), "verification");
  if (r == Statement::kDone) return std::optional<VerificationRow>();
  const Statement& s = **st;
  return std::optional<VerificationRow>(VerificationRow{s.ColumnText(0), s.ColumnText(1),
                                                        s.ColumnText(2), ColumnTime(s, 3),
                                                        ColumnTime(s, 4), ColumnTime(s, 5)});
}

Status SqliteRepository::SetPassword(const PasswordChange& change) {
  return InTransaction([&](Connection& conn) -> Status {
    if (change.consume_identifier) {
      Status st = ConsumeVerification(conn, *change.consume_identifier, change.now_ms);
      if (!st.ok()) return st;
    }
    if (change.revoke_sessions) {
      auto run = RunTexts(conn, R"(DELETE FROM "session" WHERE "userId" = ?1)", {change.user_id},
                          "delete sessions");
      if (!run.ok()) return run.error();
    }
    if (Status st = WritePassword(conn, change); !st.ok()) return st;
    if (change.new_session) return InsertSessionRow(conn, *change.new_session);
    return Status::Ok();
  });
}

FieldTypes SqliteRepository::DeclaredTypes(std::string_view table) const {
  std::lock_guard<std::mutex> lock(declared_mu_);
  for (const auto& [name, types] : declared_) {
    if (name == table) return types;
  }
  return {};
}

FieldTypes SqliteRepository::TypesFor(std::string_view table) const {
  FieldTypes types = CoreTypes(table);
  for (auto& field : DeclaredTypes(table)) types.push_back(std::move(field));
  return types;
}

Status SqliteRepository::DeclareTables(const std::vector<TableDecl>& tables) {
  {
    std::lock_guard<std::mutex> lock(declared_mu_);
    for (const TableDecl& table : tables) {
      auto it = std::find_if(declared_.begin(), declared_.end(),
                             [&](const auto& entry) { return entry.first == table.name; });
      if (it == declared_.end()) it = declared_.insert(declared_.end(), {table.name, {}});
      for (const FieldDecl& field : table.fields) {
        if (TypeOf(it->second, field.name) == FieldType::kAuto) {
          it->second.emplace_back(field.name, field.type);
        }
      }
    }
  }
  if (writer_) {
    Status st = InTransaction([&](Connection& conn) -> Status {
      bool changed = false;
      for (const TableDecl& table : tables) {
        if (Status made = EnsureSqliteTable(conn, table, &changed); !made.ok()) return made;
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
  }
  return LoadColumns();  // new columns are selected, and typed, from now on
}

Result<std::vector<std::string>> SqliteRepository::Columns(std::string_view table) {
  auto conn = Reader().Acquire();
  return TableColumns(*conn, std::string(table));
}

Result<std::vector<Row>> SqliteRepository::FindRows(std::string_view table,
                                                    const std::vector<Where>& where,
                                                    const FindOptions& options) {
  auto conn = Reader().Acquire();
  return SelectSqliteRows(*conn, table, where, options, TypesFor(table));
}

Result<int64_t> SqliteRepository::CountRows(std::string_view table,
                                            const std::vector<Where>& where) {
  auto conn = Reader().Acquire();
  return CountSqliteRows(*conn, table, where, TypesFor(table));
}

template <typename T>
Result<T> SqliteRepository::OnWriter(const std::function<Result<T>(Connection&)>& body) {
  if (!writer_) return ReadOnlyError();
  auto writer = writer_->AcquireWriter();
  if (!writer.ok()) return writer.error();
  return body(**writer);
}

Status SqliteRepository::InsertRow(std::string_view table, const Row& row) {
  const FieldTypes types = TypesFor(table);
  auto done = OnWriter<bool>([&](Connection& conn) -> Result<bool> {
    if (Status st = InsertSqliteRow(conn, table, row, types); !st.ok()) return st.error();
    return true;
  });
  if (!done.ok()) return done.error();
  return Status::Ok();
}

Result<int64_t> SqliteRepository::UpdateRows(std::string_view table,
                                             const std::vector<Where>& where, const Row& set) {
  const FieldTypes types = TypesFor(table);
  return OnWriter<int64_t>(
      [&](Connection& conn) { return UpdateSqliteRows(conn, table, where, set, types); });
}

Result<int64_t> SqliteRepository::DeleteRows(std::string_view table,
                                             const std::vector<Where>& where) {
  const FieldTypes types = TypesFor(table);
  return OnWriter<int64_t>(
      [&](Connection& conn) { return DeleteSqliteRows(conn, table, where, types); });
}

Result<RateLimitStep> SqliteRepository::ConsumeRateLimit(const RateLimitRequest& request) {
  RateLimitStep step;
  Status st = InTransaction([&](Connection& conn) -> Status {
    auto consumed = ConsumeSqliteRateLimit(conn, request);
    if (!consumed.ok()) return consumed.error();
    step = *consumed;
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return step;
}

}  // namespace issuer::storage
