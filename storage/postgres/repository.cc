#include "storage/postgres/repository.h"

#include <algorithm>

#include "common/time_format.h"
#include "storage/postgres/change_triggers.h"

namespace issuer::storage {
namespace {

using pg::Param;

constexpr std::chrono::milliseconds kPoolWait{2000};

std::string Iso(int64_t ms) { return FormatIsoMs(ms); }
Param OptIso(const std::optional<int64_t>& ms) {
  return ms ? Param(Iso(*ms)) : std::nullopt;
}
std::string Bool(bool b) { return b ? "true" : "false"; }

Error ReadOnlyError() { return Error{Errc::kUnavailable, "the store was opened read-only"}; }

// The type of a user column added for `column`: its declared type, else its value's.
const char* SqlType(const ExtraColumn& column) {
  switch (column.type) {
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDate:
      return "timestamptz";
    case FieldType::kString:
      return "text";
    default:
      break;
  }
  if (std::holds_alternative<int64_t>(column.value)) return "bigint";
  if (std::holds_alternative<double>(column.value)) return "double precision";
  return "text";
}

std::string SelectList(const std::string& alias, const pg::NamedColumns& cols) {
  std::string out;
  for (const auto& c : cols) {
    out += (out.empty() ? "" : ", ") +
           pg::ReadExpression(alias + "." + pg::QuoteIdent(c.physical), c.type);
  }
  return out;
}

// The columns `extra` names, appended to `columns` ("a, b") with their parameters: each as
// its field's type (`types` if the column has none) says, for the physical column found.
Status AppendExtra(const std::vector<ExtraColumn>& extra, const pg::NamedColumns& found,
                   const FieldTypes& types, std::string* columns, std::vector<Param>* params) {
  for (const ExtraColumn& e : extra) {
    if (!pg::PlainName(e.name)) {
      return Error{Errc::kInvalidArgument, "not a plain column name: " + e.name};
    }
    const pg::NamedColumn* column = pg::FindNamed(found, e.name);
    *columns += ", " + pg::QuoteIdent(column ? column->physical : e.name);
    const FieldType type = e.type != FieldType::kAuto ? e.type : TypeOf(types, e.name);
    params->push_back(pg::WriteParam(e.value, type, column ? column->type : ""));
  }
  return Status::Ok();
}

std::string Placeholders(size_t first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? ", $" : "$") + std::to_string(first + i);
  return out;
}

Status Done(const Result<pg::Rows>& r) { return r.ok() ? Status::Ok() : Status(r.error()); }

}  // namespace

PostgresRepository::~PostgresRepository() = default;

Result<std::unique_ptr<PostgresRepository>> PostgresRepository::Open(const std::string& url,
                                                                     OpenMode mode) {
  std::unique_ptr<PostgresRepository> repo(new PostgresRepository());
  Status st = repo->Init(url, mode);
  if (!st.ok()) return st.error();
  return repo;
}

Status PostgresRepository::Init(const std::string& url, OpenMode mode) {
  auto location = pg::ParseLocation(url);
  if (!location.ok()) return location.error();
  location_ = std::move(*location);
  read_only_ = mode == OpenMode::kReadOnly;
  // A lock held elsewhere (the rotation lock, a row another writer holds) is waited for at
  // most 5 s; then kUnavailable (503), never a request stuck behind it.
  std::vector<std::string> setup = {"SET lock_timeout = '5s'"};
  if (!location_.schema.empty()) setup.push_back("SET search_path TO " + pg::QuoteIdent(location_.schema));
  if (read_only_) setup.push_back("SET default_transaction_read_only = on");
  auto pool = pg::Pool::Open(location_.conninfo, setup, location_.pool_size, kPoolWait);
  if (!pool.ok()) return pool.error();
  pool_ = std::move(*pool);
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.error();
  if (read_only_) {
    auto found = pg::Schema::Inspect(**conn);
    if (!found.ok()) return found.error();
    schema_ = std::move(*found);
  } else if (Status st = pg::Migrate(**conn, &schema_); !st.ok()) {
    return st;
  }
  if (Status st = LoadColumns(**conn); !st.ok()) return st;
  const bool heard = read_only_ ? pg::HasChangeTriggers(**conn) : pg::InstallChangeTriggers(**conn);
  if (heard) sessions_ = std::make_unique<SessionCache<CacheStamp>>(kCachedSessions, kCachedSessionMaxAge);
  listener_ = std::make_unique<pg::Listener>(location_.conninfo, setup, location_.poll);
  return Status::Ok();
}

std::string PostgresRepository::Description() const {
  return "postgresql " + schema_.Describe() + " pool=" + std::to_string(location_.pool_size);
}

// The user and session columns (Better Auth's plus any an app added), read at start and when
// CreateUser adds one, so the hot lookups are built once and prepared once per connection.
Status PostgresRepository::LoadColumns(pg::Connection& conn) {
  auto found = pg::Schema::Inspect(conn);
  if (!found.ok()) return found.error();
  auto q = std::make_shared<Queries>();
  q->user_columns = pg::NameColumns(schema_, "user", found->Columns("user"), TypesFor("user"));
  q->session_columns =
      pg::NameColumns(schema_, "session", found->Columns("session"), TypesFor("session"));
  q->user_types = DeclaredTypes("user");
  q->session_types = DeclaredTypes("session");
  {
    std::lock_guard<std::mutex> lock(tables_mu_);
    tables_.clear();  // read again, with the types declared now
    ++tables_generation_;
  }
  const auto& s = schema_;
  q->find_session = "select " + SelectList("s", q->session_columns) + ", " +
                    SelectList("u", q->user_columns) + R"( from "session" s join "user" u on u.)" +
                    s.Col("user", "id") + " = s." + s.Col("session", "userId") + " where s." +
                    s.Col("session", "token") + " = $1";
  q->find_credential = "select " + SelectList("u", q->user_columns) + ", a." +
                       s.Col("account", "password") + R"( from "user" u left join "account" a)" +
                       " on a." + s.Col("account", "userId") + " = u." + s.Col("user", "id") +
                       " and a." + s.Col("account", "providerId") + " = 'credential' where u." +
                       s.Col("user", "email") + " = $1 limit 1";
  std::lock_guard<std::mutex> lock(queries_mu_);
  queries_ = std::move(q);
  return Status::Ok();
}

template <typename T, typename F>
Result<T> PostgresRepository::Read(F fn) {
  for (int attempt = 0;; ++attempt) {
    auto conn = pool_->Acquire();
    if (!conn.ok()) return conn.error();
    Result<T> r = fn(**conn);
    if (r.ok() || attempt == 1 || !(*conn)->broken()) return r;
  }
}

Result<pg::Pool::Handle> PostgresRepository::Write() {
  if (read_only_) return ReadOnlyError();
  return pool_->Acquire(/*write=*/true);
}

Status PostgresRepository::WriteStatement(const std::string& sql,
                                          const std::vector<Param>& params) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  return Done((*conn)->Query(sql, params));
}

UserRow PostgresRepository::ReadUser(const pg::Rows& rows, int row, int first,
                                     const Queries& q) const {
  UserRow u;
  for (size_t i = 0; i < q.user_columns.size(); ++i) {
    const int c = first + static_cast<int>(i);
    const std::string& name = q.user_columns[i].name;
    if (name == "id") u.id = rows.Text(row, c);
    else if (name == "name") u.name = rows.Text(row, c);
    else if (name == "email") u.email = rows.Text(row, c);
    else if (name == "emailVerified") u.email_verified = rows.Int(row, c) != 0;
    else if (name == "image") u.image = rows.OptionalText(row, c);
    else if (name == "createdAt") u.created_at_ms = rows.Int(row, c);
    else if (name == "updatedAt") u.updated_at_ms = rows.Int(row, c);
    else u.extra.push_back({name, pg::ReadValue(rows, row, c, q.user_columns[i].type)});
  }
  ApplyTypes(q.user_types, &u.extra);
  return u;
}

SessionRow PostgresRepository::ReadSession(const pg::Rows& rows, int row, int first,
                                           const Queries& q) const {
  SessionRow s;
  for (size_t i = 0; i < q.session_columns.size(); ++i) {
    const int c = first + static_cast<int>(i);
    const std::string& name = q.session_columns[i].name;
    if (name == "id") s.id = rows.Text(row, c);
    else if (name == "token") s.token = rows.Text(row, c);
    else if (name == "userId") s.user_id = rows.Text(row, c);
    else if (name == "expiresAt") s.expires_at_ms = rows.Int(row, c);
    else if (name == "createdAt") s.created_at_ms = rows.Int(row, c);
    else if (name == "updatedAt") s.updated_at_ms = rows.Int(row, c);
    else if (name == "ipAddress") s.ip_address = rows.OptionalText(row, c);
    else if (name == "userAgent") s.user_agent = rows.OptionalText(row, c);
    else s.extra.push_back({name, pg::ReadValue(rows, row, c, q.session_columns[i].type)});
  }
  ApplyTypes(q.session_types, &s.extra);
  return s;
}

Result<std::optional<SessionWithUser>> PostgresRepository::FindSessionWithUser(
    std::string_view token) {
  if (!sessions_ || !listener_->listening()) return QuerySessionWithUser(token);
  // Read before the row, which is then at least this new.
  const CacheStamp stamp{listener_->sessions_version(), pool_->writes()};
  return sessions_->FindOrQuery(token, stamp,
                                [this](std::string_view t) { return QuerySessionWithUser(t); });
}

Result<std::optional<SessionWithUser>> PostgresRepository::QuerySessionWithUser(
    std::string_view token) {
  const std::shared_ptr<const Queries> q = queries();
  return Read<std::optional<SessionWithUser>>(
      [&](pg::Connection& conn) -> Result<std::optional<SessionWithUser>> {
        auto rows = conn.Query(q->find_session, {std::string(token)});
        if (!rows.ok()) return rows.error();
        if (rows->size() == 0) return std::optional<SessionWithUser>();
        return std::optional<SessionWithUser>(SessionWithUser{
            ReadSession(*rows, 0, 0, *q),
            ReadUser(*rows, 0, static_cast<int>(q->session_columns.size()), *q)});
      });
}

Result<std::optional<CredentialUser>> PostgresRepository::FindCredentialUser(
    std::string_view email) {
  const std::shared_ptr<const Queries> q = queries();
  return Read<std::optional<CredentialUser>>(
      [&](pg::Connection& conn) -> Result<std::optional<CredentialUser>> {
        auto rows = conn.Query(q->find_credential, {std::string(email)});
        if (!rows.ok()) return rows.error();
        if (rows->size() == 0) return std::optional<CredentialUser>();
        const int password_col = static_cast<int>(q->user_columns.size());
        return std::optional<CredentialUser>(
            CredentialUser{ReadUser(*rows, 0, 0, *q), rows->OptionalText(0, password_col)});
      });
}

std::string PostgresRepository::ColumnList(const std::string& table,
                                           std::initializer_list<const char*> names) const {
  std::string out;
  for (const char* name : names) out += (out.empty() ? "" : ", ") + schema_.Col(table, name);
  return out;
}

Status PostgresRepository::InsertUserRow(pg::Connection& conn, const UserRow& u,
                                         const pg::NamedColumns& found) {
  std::string columns = ColumnList(
      "user", {"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"});
  std::vector<Param> params = {u.id, u.name, u.email, Bool(u.email_verified), u.image,
                               Iso(u.created_at_ms), Iso(u.updated_at_ms)};
  if (Status st = AppendExtra(u.extra, found, queries()->user_types, &columns, &params); !st.ok()) {
    return st;
  }
  return Done(conn.Query(R"(insert into "user" ()" + columns + ") values (" +
                             Placeholders(1, params.size()) + ")",
                         params));
}

Status PostgresRepository::InsertAccountRow(pg::Connection& conn, const AccountRow& a) {
  const std::string columns = ColumnList(
      "account", {"id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt",
                  "accessToken", "refreshToken", "idToken", "accessTokenExpiresAt",
                  "refreshTokenExpiresAt", "scope"});
  return Done(conn.Query(R"(insert into "account" ()" + columns + ") values (" +
                             Placeholders(1, 13) + ")",
                         {a.id, a.account_id, a.provider_id, a.user_id, a.password,
                          Iso(a.created_at_ms), Iso(a.updated_at_ms), a.access_token,
                          a.refresh_token, a.id_token, OptIso(a.access_token_expires_at_ms),
                          OptIso(a.refresh_token_expires_at_ms), a.scope}));
}

Status PostgresRepository::AddAccount(const AccountRow& account) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  return InsertAccountRow(**conn, account);
}

// The session and its other columns (a plugin's, such as impersonatedBy), which the table
// must have.
Status PostgresRepository::InsertSessionRow(pg::Connection& conn, const SessionRow& r) {
  std::string columns = ColumnList("session", {"id", "expiresAt", "token", "createdAt",
                                               "updatedAt", "ipAddress", "userAgent", "userId"});
  std::vector<Param> params = {r.id, Iso(r.expires_at_ms), r.token, Iso(r.created_at_ms),
                               Iso(r.updated_at_ms), r.ip_address, r.user_agent, r.user_id};
  const std::shared_ptr<const Queries> q = queries();
  if (Status st = AppendExtra(r.extra, q->session_columns, q->session_types, &columns, &params);
      !st.ok()) {
    return st;
  }
  return Done(conn.Query(R"(insert into "session" ()" + columns + ") values (" +
                             Placeholders(1, params.size()) + ")",
                         params));
}

// A column is found by its Better Auth name in either naming (a declared field in a snake_case
// database is "two_factor_enabled"); an undeclared one is added under the name it is given.
Result<bool> PostgresRepository::AddUserColumns(pg::Connection& conn,
                                                const std::vector<ExtraColumn>& extra,
                                                pg::NamedColumns* columns) {
  if (extra.empty()) return false;
  auto found = pg::InspectTable(conn, "user");
  if (!found.ok()) return found.error();
  *columns = pg::NameColumns(schema_, "user", *found, TypesFor("user"));
  bool added = false;
  for (const ExtraColumn& column : extra) {
    if (!pg::PlainName(column.name)) {
      return Error{Errc::kInvalidArgument, "not a plain column name: " + column.name};
    }
    if (pg::FindNamed(*columns, column.name)) continue;
    const char* type = SqlType(column);
    Status st = conn.Exec(R"(alter table "user" add column )" + pg::QuoteIdent(column.name) +
                          " " + type);
    if (!st.ok()) return st.error();
    columns->push_back({column.name, column.name, type});  // "timestamptz" reads as a date
    added = true;
  }
  return added;
}

Status PostgresRepository::CreateUserWithAccount(const UserRow& user, const AccountRow& account,
                                                 const SessionRow& session) {
  return WriteUser(user, &account, &session);
}

Status PostgresRepository::CreateUser(const UserRow& user,
                                      const std::optional<AccountRow>& account) {
  return WriteUser(user, account ? &*account : nullptr, nullptr);
}

Status PostgresRepository::WriteUser(const UserRow& user, const AccountRow* account,
                                     const SessionRow* session) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto tx = pg::Transaction::Begin(**conn);
  if (!tx.ok()) return tx.error();
  auto taken = (*conn)->Query(R"(select 1 from "user" where )" + schema_.Col("user", "email") +
                                  " = $1 limit 1",
                              {user.email});
  if (!taken.ok()) return taken.error();
  if (taken->size() > 0) return Error{Errc::kConflict, "email taken"};
  pg::NamedColumns columns;
  auto added = AddUserColumns(**conn, user.extra, &columns);
  if (!added.ok()) return added.error();
  Status st = InsertUserRow(**conn, user, columns);
  if (st.ok() && account) st = InsertAccountRow(**conn, *account);
  if (st.ok() && session) st = InsertSessionRow(**conn, *session);
  if (!st.ok()) return st;
  if (Status committed = (*tx)->Commit(); !committed.ok()) return committed;
  return *added ? LoadColumns(**conn) : Status::Ok();
}

Status PostgresRepository::InsertSession(const SessionRow& session) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  return InsertSessionRow(**conn, session);
}

Status PostgresRepository::DeleteUsers() {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto tx = pg::Transaction::Begin(**conn);
  if (!tx.ok()) return tx.error();
  for (const char* table : {"session", "account", "verification", "user"}) {
    if (Status st = (*conn)->Exec("delete from " + pg::QuoteIdent(table)); !st.ok()) return st;
  }
  return (*tx)->Commit();
}

Status PostgresRepository::DeleteSession(std::string_view token) {
  return WriteStatement(
      R"(delete from "session" where )" + schema_.Col("session", "token") + " = $1",
      {std::string(token)});
}

Status PostgresRepository::UpdateSessionExpiry(std::string_view session_id,
                                               int64_t expires_at_ms, int64_t updated_at_ms) {
  const auto& s = schema_;
  return WriteStatement(R"(update "session" set )" + s.Col("session", "expiresAt") + " = $1, " +
                            s.Col("session", "updatedAt") + " = $2 where " +
                            s.Col("session", "id") + " = $3",
                        {Iso(expires_at_ms), Iso(updated_at_ms), std::string(session_id)});
}

Result<std::vector<JwkRow>> PostgresRepository::ReadJwks(pg::Connection& conn) {
  const auto& s = schema_;
  auto rows = conn.Query("select " + s.Col("jwks", "id") + ", " + s.Col("jwks", "publicKey") +
                         ", " + s.Col("jwks", "privateKey") + ", " + s.Read("jwks", "createdAt") +
                         ", " + s.Read("jwks", "expiresAt") + ", " + s.Col("jwks", "alg") + ", " +
                         s.Col("jwks", "crv") + R"( from "jwks" order by )" +
                         s.Col("jwks", "createdAt") + ", " + s.Col("jwks", "id"));
  if (!rows.ok()) return rows.error();
  std::vector<JwkRow> out;
  for (int r = 0; r < rows->size(); ++r) {
    out.push_back(JwkRow{rows->Text(r, 0), rows->Text(r, 1), rows->Text(r, 2), rows->Int(r, 3),
                         rows->OptionalInt(r, 4), rows->OptionalText(r, 5),
                         rows->OptionalText(r, 6)});
  }
  return out;
}

Result<std::vector<JwkRow>> PostgresRepository::ListJwks() {
  return Read<std::vector<JwkRow>>([&](pg::Connection& conn) { return ReadJwks(conn); });
}

// Inserts a jwks row, and ba-issuer's record of it (made at `now_ms`).
Status PostgresRepository::InsertJwk(pg::Connection& conn, const JwkRow& row, int64_t now_ms) {
  const std::string columns = ColumnList(
      "jwks", {"id", "publicKey", "privateKey", "createdAt", "expiresAt", "alg", "crv"});
  Status st = Done(conn.Query(R"(insert into "jwks" ()" + columns + ") values (" +
                                  Placeholders(1, 7) + ")",
                              {row.id, row.public_key, row.private_key, Iso(row.created_at_ms),
                               OptIso(row.expires_at_ms), row.alg, row.crv}));
  if (!st.ok()) return st;
  return Done(conn.Query(
      R"(insert into "ba_issuer_key" ("id", "alg", "createdAt", "revokedAt"))"
      R"( values ($1, $2, $3, null) on conflict ("id") do update set "alg" = excluded."alg",)"
      R"( "createdAt" = excluded."createdAt", "revokedAt" = null)",
      {row.id, row.alg, Iso(now_ms)}));
}

// The live-key check runs on the rows read under the rotation lock (ChangeJwks).
Result<bool> PostgresRepository::InsertJwkUnlessLiveExists(const JwkRow& row,
                                                           std::string_view alg, int64_t now_ms) {
  return ChangeJwks(
      [&](const std::vector<JwkRow>& rows) -> std::optional<JwkChange> {
        const bool live = std::any_of(rows.begin(), rows.end(), [&](const JwkRow& r) {
          return (!r.alg || *r.alg == alg) && (!r.expires_at_ms || *r.expires_at_ms > now_ms);
        });
        if (live) return std::nullopt;
        return JwkChange{{row}, {}, {}};
      },
      now_ms);
}

Result<bool> PostgresRepository::ChangeJwks(const JwkPlanner& plan, int64_t now_ms) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto tx = pg::Transaction::Begin(**conn);
  if (!tx.ok()) return tx.error();
  auto changed = ChangeJwksLocked(**conn, plan, now_ms);
  if (!changed.ok() || !*changed) return changed;
  if (Status st = (*tx)->Commit(); !st.ok()) return st.error();
  return true;
}

// REQUIRES: a transaction open on `conn`. The lock is its own statement, so the jwks read
// after it takes a fresh snapshot that includes every change committed before the lock.
Result<bool> PostgresRepository::ChangeJwksLocked(pg::Connection& conn, const JwkPlanner& plan,
                                                  int64_t now_ms) {
  auto locked = conn.Query("select pg_advisory_xact_lock($1)", {std::to_string(kRotationLockKey)});
  if (!locked.ok()) return locked.error();
  auto rows = ReadJwks(conn);
  if (!rows.ok()) return rows.error();
  const std::optional<JwkChange> change = plan(*rows);
  if (!change) return false;
  const auto& s = schema_;
  for (const JwkRow& row : change->inserts) {
    if (Status st = InsertJwk(conn, row, now_ms); !st.ok()) return st.error();
  }
  for (const auto& [id, expires_at_ms] : change->expiries) {
    Status st = Done(conn.Query(R"(update "jwks" set )" + s.Col("jwks", "expiresAt") +
                                    " = $1 where " + s.Col("jwks", "id") + " = $2",
                                {Iso(expires_at_ms), id}));
    if (!st.ok()) return st.error();
  }
  for (const std::string& id : change->revokes) {
    Status st = Done(conn.Query(
        R"(insert into "ba_issuer_key" ("id", "alg", "createdAt", "revokedAt") select )" +
            s.Col("jwks", "id") + ", " + s.Col("jwks", "alg") + ", to_timestamp(" +
            s.Read("jwks", "createdAt") + R"( / 1000.0), $2::timestamptz from "jwks" where )" +
            s.Col("jwks", "id") + R"( = $1 on conflict ("id") do update set "revokedAt" = $2::timestamptz)",
        {id, Iso(now_ms)}));
    if (st.ok()) {
      st = Done(conn.Query(R"(delete from "jwks" where )" + s.Col("jwks", "id") + " = $1", {id}));
    }
    if (!st.ok()) return st.error();
  }
  auto notified = conn.Query("select pg_notify($1, $2)", {std::string(pg::kJwksChannel), "jwks"});
  if (!notified.ok()) return notified.error();
  return true;
}

Result<std::vector<KeyRecord>> PostgresRepository::ListKeyRecords() {
  return Read<std::vector<KeyRecord>>([&](pg::Connection& conn) -> Result<std::vector<KeyRecord>> {
    auto rows = conn.Query(
        R"(select "id", "alg", )" + pg::ReadExpression(R"("createdAt")", "timestamp") + ", " +
        pg::ReadExpression(R"("revokedAt")", "timestamp") +
        R"( from "ba_issuer_key" order by "createdAt", "id")");
    if (!rows.ok()) return rows.error();
    std::vector<KeyRecord> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back(KeyRecord{rows->Text(r, 0), rows->OptionalText(r, 1), rows->Int(r, 2),
                              rows->OptionalInt(r, 3)});
    }
    return out;
  });
}

Result<int64_t> PostgresRepository::DataVersion() { return listener_->version(); }


Result<std::optional<UserRow>> PostgresRepository::FindUserById(std::string_view user_id) {
  const std::shared_ptr<const Queries> q = queries();
  return Read<std::optional<UserRow>>([&](pg::Connection& conn) -> Result<std::optional<UserRow>> {
    auto rows = conn.Query("select " + SelectList("u", q->user_columns) +
                               R"( from "user" u where u.)" + schema_.Col("user", "id") + " = $1",
                           {std::string(user_id)});
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<UserRow>();
    return std::optional<UserRow>(ReadUser(*rows, 0, 0, *q));
  });
}

Result<std::vector<SessionRow>> PostgresRepository::ListUserSessions(std::string_view user_id,
                                                                     int64_t now_ms) {
  const std::shared_ptr<const Queries> q = queries();
  const auto& s = schema_;
  return Read<std::vector<SessionRow>>([&](pg::Connection& conn) -> Result<std::vector<SessionRow>> {
    auto rows = conn.Query("select " + SelectList("s", q->session_columns) +
                               R"( from "session" s where s.)" + s.Col("session", "userId") +
                               " = $1 and s." + s.Col("session", "expiresAt") + " > $2",
                           {std::string(user_id), Iso(now_ms)});
    if (!rows.ok()) return rows.error();
    std::vector<SessionRow> out;
    for (int r = 0; r < rows->size(); ++r) out.push_back(ReadSession(*rows, r, 0, *q));
    return out;
  });
}

// REQUIRES: a write connection. Deletes the rows of `table` ("session" or "account") whose
// userId is `user_id`.
Status PostgresRepository::DeleteByUser(pg::Connection& conn, const char* table,
                                        std::string_view user_id) {
  return Done(conn.Query("delete from " + pg::QuoteIdent(table) + " where " +
                             schema_.Col(table, "userId") + " = $1",
                         {std::string(user_id)}));
}

Status PostgresRepository::DeleteUserSessions(std::string_view user_id) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  return DeleteByUser(**conn, "session", user_id);
}

Status PostgresRepository::DeleteOtherSessions(std::string_view user_id,
                                               std::string_view keep_token, int64_t now_ms) {
  const auto& s = schema_;
  return WriteStatement(R"(delete from "session" where )" + s.Col("session", "userId") +
                            " = $1 and " + s.Col("session", "token") + " <> $2 and " +
                            s.Col("session", "expiresAt") + " > $3",
                        {std::string(user_id), std::string(keep_token), Iso(now_ms)});
}

Result<std::vector<ListedAccount>> PostgresRepository::ListAccounts(std::string_view user_id) {
  const auto& s = schema_;
  const std::string sql =
      "select " + ColumnList("account", {"id", "accountId", "providerId", "userId", "password"}) +
      ", " + s.Read("account", "createdAt") + ", " + s.Read("account", "updatedAt") + ", " +
      s.Col("account", "scope") + R"( from "account" where )" + s.Col("account", "userId") +
      " = $1";
  return Read<std::vector<ListedAccount>>(
      [&](pg::Connection& conn) -> Result<std::vector<ListedAccount>> {
        auto rows = conn.Query(sql, {std::string(user_id)});
        if (!rows.ok()) return rows.error();
        std::vector<ListedAccount> out;
        for (int r = 0; r < rows->size(); ++r) {
          out.push_back({AccountRow{rows->Text(r, 0), rows->Text(r, 1), rows->Text(r, 2),
                                    rows->Text(r, 3), rows->OptionalText(r, 4), rows->Int(r, 5),
                                    rows->Int(r, 6)},
                         rows->OptionalText(r, 7)});
        }
        return out;
      });
}

Status PostgresRepository::UpdateUser(const UserRow& user) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  const auto& s = schema_;
  auto updated = (*conn)->Query(
      R"(update "user" set )" + s.Col("user", "name") + " = $1, " + s.Col("user", "image") +
          " = $2, " + s.Col("user", "emailVerified") + " = $3, " + s.Col("user", "updatedAt") +
          " = $4 where " + s.Col("user", "id") + " = $5 returning 1",
      {user.name, user.image, Bool(user.email_verified), Iso(user.updated_at_ms), user.id});
  if (!updated.ok()) return updated.error();
  if (updated->size() == 0) return Error{Errc::kNotFound, "no such user"};
  return Status::Ok();
}

Status PostgresRepository::DeleteUser(std::string_view user_id) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto tx = pg::Transaction::Begin(**conn);
  if (!tx.ok()) return tx.error();
  for (const char* table : {"session", "account"}) {
    if (Status st = DeleteByUser(**conn, table, user_id); !st.ok()) return st;
  }
  Status st = Done((*conn)->Query(
      R"(delete from "user" where )" + schema_.Col("user", "id") + " = $1", {std::string(user_id)}));
  if (!st.ok()) return st;
  return (*tx)->Commit();
}

namespace {

std::vector<pg::Param> VerificationParams(const VerificationRow& row) {
  return {row.id, row.identifier, row.value, Iso(row.expires_at_ms), Iso(row.created_at_ms),
          Iso(row.updated_at_ms)};
}

}  // namespace

std::string PostgresRepository::InsertVerificationSql() const {
  const std::string columns = ColumnList(
      "verification", {"id", "identifier", "value", "expiresAt", "createdAt", "updatedAt"});
  return R"(insert into "verification" ()" + columns + ") values (" + Placeholders(1, 6) + ")";
}

Status PostgresRepository::InsertVerification(const VerificationRow& row) {
  return WriteStatement(InsertVerificationSql(), VerificationParams(row));
}

Status PostgresRepository::RehearseVerification(const VerificationRow& row) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto tx = pg::Transaction::Begin(**conn);
  if (!tx.ok()) return tx.error();
  Status st = Done((*conn)->Query(InsertVerificationSql(), VerificationParams(row)));
  if (!st.ok()) return st;
  st = Done((*conn)->Query(R"(delete from "verification" where )" +
                               schema_.Col("verification", "id") + " = $1",
                           {row.id}));
  if (!st.ok()) return st;
  return (*tx)->Commit();
}

Result<std::optional<VerificationRow>> PostgresRepository::FindVerification(
    std::string_view identifier) {
  const auto& s = schema_;
  const std::string sql =
      "select " + ColumnList("verification", {"id", "identifier", "value"}) + ", " +
      s.Read("verification", "expiresAt") + ", " + s.Read("verification", "createdAt") + ", " +
      s.Read("verification", "updatedAt") + R"( from "verification" where )" +
      s.Col("verification", "identifier") + " = $1 order by " +
      s.Col("verification", "createdAt") + " desc limit 1";
  return Read<std::optional<VerificationRow>>(
      [&](pg::Connection& conn) -> Result<std::optional<VerificationRow>> {
        auto rows = conn.Query(sql, {std::string(identifier)});
        if (!rows.ok()) return rows.error();
        if (rows->size() == 0) return std::optional<VerificationRow>();
        return std::optional<VerificationRow>(
            VerificationRow{rows->Text(0, 0), rows->Text(0, 1), rows->Text(0, 2), rows->Int(0, 3),
                            rows->Int(0, 4), rows->Int(0, 5)});
      });
}

// REQUIRES: a transaction open on `conn`. Deletes every verification row of `identifier` if
// its newest one is live at `now_ms` (expiresAt >= now, as the SQLite store); false (nothing
// deleted) if there is none, it has expired, or a concurrent transaction consumed it first
// (the DELETE waits for that one's row locks and then finds no row).
Result<bool> PostgresRepository::ConsumeVerification(pg::Connection& conn,
                                                     const std::string& identifier,
                                                     int64_t now_ms) {
  const auto& s = schema_;
  auto newest = conn.Query("select " + s.Read("verification", "expiresAt") +
                               R"( from "verification" where )" +
                               s.Col("verification", "identifier") + " = $1 order by " +
                               s.Col("verification", "createdAt") + " desc limit 1",
                           {identifier});
  if (!newest.ok()) return newest.error();
  if (newest->size() == 0 || newest->Int(0, 0) < now_ms) return false;
  auto deleted = conn.Query(R"(delete from "verification" where )" +
                                s.Col("verification", "identifier") + " = $1 returning 1",
                            {identifier});
  if (!deleted.ok()) return deleted.error();
  return deleted->size() > 0;
}

// REQUIRES: a transaction open on `conn`. Sets the password of the user's credential
// account, or makes that account.
Status PostgresRepository::WritePassword(pg::Connection& conn, const PasswordChange& c) {
  const auto& s = schema_;
  auto updated = conn.Query(R"(update "account" set )" + s.Col("account", "password") + " = $1, " +
                                s.Col("account", "updatedAt") + " = $2 where " +
                                s.Col("account", "userId") + " = $3 and " +
                                s.Col("account", "providerId") + " = 'credential' returning 1",
                            {c.password_hash, Iso(c.now_ms), c.user_id});
  if (!updated.ok()) return updated.error();
  if (updated->size() > 0) return Status::Ok();
  return InsertAccountRow(conn, AccountRow{c.new_account_id, c.user_id, "credential", c.user_id,
                                           c.password_hash, c.now_ms, c.now_ms});
}

Status PostgresRepository::SetPassword(const PasswordChange& change) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto tx = pg::Transaction::Begin(**conn);
  if (!tx.ok()) return tx.error();
  if (change.consume_identifier) {
    auto consumed = ConsumeVerification(**conn, *change.consume_identifier, change.now_ms);
    if (!consumed.ok()) return consumed.error();
    if (!*consumed) return Error{Errc::kNotFound, "no live verification row"};
  }
  if (change.revoke_sessions) {
    if (Status st = DeleteByUser(**conn, "session", change.user_id); !st.ok()) return st;
  }
  Status st = WritePassword(**conn, change);
  if (st.ok() && change.new_session) st = InsertSessionRow(**conn, *change.new_session);
  if (!st.ok()) return st;
  return (*tx)->Commit();
}

FieldTypes PostgresRepository::DeclaredTypes(std::string_view table) const {
  std::lock_guard<std::mutex> lock(declared_mu_);
  const auto found = declared_.find(table);
  return found == declared_.end() ? FieldTypes() : found->second;
}

FieldTypes PostgresRepository::TypesFor(std::string_view table) const {
  FieldTypes types = CoreTypes(table);
  const FieldTypes declared = DeclaredTypes(table);
  types.insert(types.end(), declared.begin(), declared.end());
  return types;
}

Result<std::shared_ptr<const pg::TableInfo>> PostgresRepository::Table(pg::Connection& conn,
                                                                       std::string_view table) {
  if (!pg::PlainName(table)) {
    return Error{Errc::kInvalidArgument, "not a plain name: " + std::string(table)};
  }
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(tables_mu_);
    if (const auto found = tables_.find(table); found != tables_.end()) return found->second;
    generation = tables_generation_;
  }
  auto loaded = pg::LoadTable(conn, schema_, std::string(table), TypesFor(table));
  if (!loaded.ok()) return loaded.error();
  auto info = std::make_shared<const pg::TableInfo>(std::move(*loaded));
  std::lock_guard<std::mutex> lock(tables_mu_);
  // A table not made yet is looked for again next time; one read before LoadColumns cleared
  // the map may predate a column DeclareTables added.
  if (!info->columns.empty() && generation == tables_generation_) tables_.emplace(table, info);
  return info;
}

namespace {

// The tables and columns `tables` declare that the database lacks, in one transaction under the
// migration lock (several instances starting at once make them once).
Status EnsureTables(pg::Connection& conn, const pg::Schema& schema,
                    const std::vector<TableDecl>& tables) {
  auto tx = pg::Transaction::Begin(conn);
  if (!tx.ok()) return tx.error();
  auto locked = conn.Query("select pg_advisory_xact_lock($1)",
                           {std::to_string(pg::kMigrationLockKey)});
  if (!locked.ok()) return locked.error();
  for (const TableDecl& table : tables) {
    if (Status st = pg::EnsureTable(conn, schema, table); !st.ok()) return st;
  }
  return (*tx)->Commit();
}

}  // namespace

Status PostgresRepository::DeclareTables(const std::vector<TableDecl>& tables) {
  {
    std::lock_guard<std::mutex> lock(declared_mu_);
    for (const TableDecl& table : tables) {
      FieldTypes& types = declared_[table.name];
      for (const FieldDecl& field : table.fields) {
        if (TypeOf(types, field.name) == FieldType::kAuto) types.emplace_back(field.name, field.type);
      }
    }
  }
  auto conn = pool_->Acquire();
  if (!conn.ok()) return conn.error();
  if (!read_only_) {
    if (Status st = EnsureTables(**conn, schema_, tables); !st.ok()) return st;
  }
  return LoadColumns(**conn);  // new columns are selected, and typed, from now on
}

Result<std::vector<std::string>> PostgresRepository::Columns(std::string_view table) {
  return Read<std::vector<std::string>>(
      [&](pg::Connection& conn) -> Result<std::vector<std::string>> {
        auto info = pg::LoadTable(conn, schema_, std::string(table), TypesFor(table));
        if (!info.ok()) return info.error();
        std::vector<std::string> names;
        for (const pg::NamedColumn& column : info->columns) names.push_back(column.name);
        return names;
      });
}

Result<std::vector<Row>> PostgresRepository::FindRows(std::string_view table,
                                                      const std::vector<Where>& where,
                                                      const FindOptions& options) {
  return Read<std::vector<Row>>([&](pg::Connection& conn) -> Result<std::vector<Row>> {
    auto info = Table(conn, table);
    if (!info.ok()) return info.error();
    auto sql = pg::SelectSql(schema_, **info, where, options);
    if (!sql.ok()) return sql.error();
    auto rows = conn.Query(sql->text, sql->params);
    if (!rows.ok()) return rows.error();
    std::vector<Row> out;
    out.reserve(static_cast<size_t>(rows->size()));
    for (int r = 0; r < rows->size(); ++r) out.push_back(pg::ReadRow(*rows, r, **info));
    return out;
  });
}

Result<int64_t> PostgresRepository::CountRows(std::string_view table,
                                              const std::vector<Where>& where) {
  return Read<int64_t>([&](pg::Connection& conn) -> Result<int64_t> {
    auto info = Table(conn, table);
    if (!info.ok()) return info.error();
    auto sql = pg::CountSql(schema_, **info, where);
    if (!sql.ok()) return sql.error();
    auto rows = conn.Query(sql->text, sql->params);
    if (!rows.ok()) return rows.error();
    return rows->Int(0, 0);
  });
}

template <typename F>
Result<int64_t> PostgresRepository::Change(std::string_view table, F build) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto info = Table(**conn, table);
  if (!info.ok()) return info.error();
  Result<pg::Sql> sql = build(**info);
  if (!sql.ok()) return sql.error();
  auto rows = (*conn)->Query(sql->text, sql->params);
  if (!rows.ok()) return rows.error();
  return rows->changed();
}

Status PostgresRepository::InsertRow(std::string_view table, const Row& row) {
  auto inserted =
      Change(table, [&](const pg::TableInfo& t) { return pg::InsertSql(schema_, t, row); });
  if (!inserted.ok()) return inserted.error();
  return Status::Ok();
}

Result<int64_t> PostgresRepository::UpdateRows(std::string_view table,
                                               const std::vector<Where>& where, const Row& set) {
  return Change(table,
                [&](const pg::TableInfo& t) { return pg::UpdateSql(schema_, t, where, set); });
}

Result<int64_t> PostgresRepository::DeleteRows(std::string_view table,
                                               const std::vector<Where>& where) {
  return Change(table, [&](const pg::TableInfo& t) { return pg::DeleteSql(schema_, t, where); });
}

Result<RateLimitStep> PostgresRepository::ConsumeRateLimit(const RateLimitRequest& request) {
  auto conn = Write();
  if (!conn.ok()) return conn.error();
  auto info = Table(**conn, "rateLimit");
  if (!info.ok()) return info.error();
  return pg::ConsumeRateLimitStep(**conn, schema_, **info, request);
}

}  // namespace issuer::storage
