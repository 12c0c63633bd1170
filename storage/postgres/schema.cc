#include "storage/postgres/schema.h"

#include <algorithm>
#include <cctype>

namespace issuer::storage::pg {
namespace {

// `type` is the column type and constraints as Better Auth's DDL has them; `added_as` how a
// missing column is added to an existing table (nullptr: it cannot be).
struct ColumnDef {
  const char* name;
  const char* type;
  const char* added_as;
};

struct TableDef {
  const char* name;
  std::vector<ColumnDef> columns;
  std::vector<const char*> indexed;  // columns with a "<table>_<column>_idx" index
  bool own = false;                  // ba-issuer's table: always camelCase
};

constexpr const char* kNow = "timestamptz default CURRENT_TIMESTAMP not null";
constexpr const char* kRefUser = R"(text not null references "user" ("id") on delete cascade)";

const std::vector<TableDef>& Tables() {
  static const std::vector<TableDef> tables = {
      {"user",
       {{"id", "text not null primary key", nullptr},
        {"name", "text not null", "text not null default ''"},
        {"email", "text not null unique", nullptr},
        {"emailVerified", "boolean not null", "boolean not null default false"},
        {"image", "text", "text"},
        {"createdAt", kNow, kNow},
        {"updatedAt", kNow, kNow}},
       {}},
      {"session",
       {{"id", "text not null primary key", nullptr},
        {"expiresAt", "timestamptz not null", nullptr},
        {"token", "text not null unique", nullptr},
        {"createdAt", kNow, kNow},
        {"updatedAt", "timestamptz not null", kNow},
        {"ipAddress", "text", "text"},
        {"userAgent", "text", "text"},
        {"userId", kRefUser, nullptr}},
       {"userId"}},
      {"account",
       {{"id", "text not null primary key", nullptr},
        {"accountId", "text not null", nullptr},
        {"providerId", "text not null", nullptr},
        {"userId", kRefUser, nullptr},
        {"accessToken", "text", "text"},
        {"refreshToken", "text", "text"},
        {"idToken", "text", "text"},
        {"accessTokenExpiresAt", "timestamptz", "timestamptz"},
        {"refreshTokenExpiresAt", "timestamptz", "timestamptz"},
        {"scope", "text", "text"},
        {"password", "text", "text"},
        {"createdAt", kNow, kNow},
        {"updatedAt", "timestamptz not null", kNow}},
       {"userId"}},
      {"verification",
       {{"id", "text not null primary key", nullptr},
        {"identifier", "text not null", nullptr},
        {"value", "text not null", nullptr},
        {"expiresAt", "timestamptz not null", nullptr},
        {"createdAt", kNow, kNow},
        {"updatedAt", kNow, kNow}},
       {"identifier"}},
      {"jwks",
       {{"id", "text not null primary key", nullptr},
        {"publicKey", "text not null", nullptr},
        {"privateKey", "text not null", nullptr},
        {"createdAt", "timestamptz not null", kNow},
        {"expiresAt", "timestamptz", "timestamptz"},
        {"alg", "text", "text"},
        {"crv", "text", "text"}},
       {}},
      // ba-issuer's own table (Better Auth ignores it): true creation and revocation times.
      {"ba_issuer_key",
       {{"id", "text not null primary key", nullptr},
        {"alg", "text", "text"},
        {"createdAt", "timestamptz not null", kNow},
        {"revokedAt", "timestamptz", "timestamptz"}},
       {},
       true},
  };
  return tables;
}

std::string ToSnake(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

bool IsOwn(const std::string& table) { return table == "ba_issuer_key"; }

std::string Physical(bool snake, const std::string& table, const std::string& logical) {
  return snake && !IsOwn(table) ? ToSnake(logical) : logical;
}

Status CreateTable(Connection& conn, const TableDef& t, bool snake) {
  std::string sql = "create table " + QuoteIdent(t.name) + " (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    sql += (i ? ", " : "") + QuoteIdent(Physical(snake, t.name, t.columns[i].name)) + " " +
           t.columns[i].type;
  }
  sql += ")";
  Status st = conn.Exec(sql);
  for (const char* column : t.indexed) {
    const std::string physical = Physical(snake, t.name, column);
    if (st.ok()) {
      st = conn.Exec("create index " + QuoteIdent(std::string(t.name) + "_" + physical + "_idx") +
                     " on " + QuoteIdent(t.name) + " (" + QuoteIdent(physical) + ")");
    }
  }
  return st;
}

Status AddMissingColumns(Connection& conn, const TableDef& t, bool snake,
                         const std::vector<Schema::Column>& existing) {
  for (const ColumnDef& col : t.columns) {
    const std::string physical = Physical(snake, t.name, col.name);
    const bool present = std::any_of(existing.begin(), existing.end(),
                                     [&](const Schema::Column& c) { return c.name == physical; });
    if (present) continue;
    if (col.added_as == nullptr) {
      return Error{Errc::kInvalidArgument, "table \"" + std::string(t.name) +
                                               "\" lacks required column \"" + physical + "\""};
    }
    Status st = conn.Exec("alter table " + QuoteIdent(t.name) + " add column " +
                          QuoteIdent(physical) + " " + col.added_as);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

std::string ReadExpression(const std::string& x, const std::string& type) {
  if (type.starts_with("timestamp") || type == "date") {
    // extract(epoch) reads a naive timestamp as UTC, whatever the session TimeZone is.
    return "floor(extract(epoch from " + x + ") * 1000)::int8";
  }
  if (type == "boolean") return x + "::int";
  return x;
}

Result<Schema> Schema::Inspect(Connection& conn) {
  auto rows = conn.Query(
      "select table_name::text, column_name::text, data_type::text, current_schema()::text"
      " from information_schema.columns where table_schema = current_schema()"
      " and table_name in ('user', 'session', 'account', 'verification', 'jwks', 'ba_issuer_key')"
      " order by table_name, ordinal_position");
  if (!rows.ok()) return rows.error();
  Schema schema;
  auto name = conn.Query("select coalesce(current_schema()::text, '')");
  if (!name.ok()) return name.error();
  schema.schema_name_ = name->Text(0, 0);
  for (int r = 0; r < rows->size(); ++r) {
    schema.tables_[rows->Text(r, 0)].push_back(Column{rows->Text(r, 1), rows->Text(r, 2)});
  }
  for (const Column& c : schema.Columns("user")) {
    if (c.name == "email_verified") schema.snake_case_ = true;
  }
  return schema;
}

const std::vector<Schema::Column>& Schema::Columns(const std::string& table) const {
  static const std::vector<Column> kNone;
  auto found = tables_.find(table);
  return found == tables_.end() ? kNone : found->second;
}

std::string Schema::Physical(const std::string& table, const std::string& logical) const {
  return pg::Physical(snake_case_, table, logical);
}

std::string Schema::Col(const std::string& table, const std::string& logical) const {
  return QuoteIdent(Physical(table, logical));
}

std::string Schema::Read(const std::string& table, const std::string& logical,
                         const std::string& alias) const {
  const std::string physical = Physical(table, logical);
  std::string type = "text";
  for (const Column& c : Columns(table)) {
    if (c.name == physical) type = c.type;
  }
  return ReadExpression((alias.empty() ? "" : alias + ".") + QuoteIdent(physical), type);
}

std::string Schema::Logical(const std::string& table, const std::string& physical) const {
  if (!snake_case_ || IsOwn(table)) return physical;
  for (const TableDef& t : Tables()) {
    if (table != t.name) continue;
    for (const ColumnDef& c : t.columns) {
      if (ToSnake(c.name) == physical) return c.name;
    }
  }
  return physical;  // an app's column keeps its name
}

std::string Schema::Describe() const {
  std::string dates = "timestamptz";
  for (const Column& c : Columns("user")) {
    if (c.type == "timestamp without time zone") dates = "naive timestamp (read as UTC)";
  }
  return "schema=" + (schema_name_.empty() ? std::string("(none)") : schema_name_) +
         " columns=" + (snake_case_ ? "snake_case" : "camelCase") + " dates=" + dates;
}

Status Migrate(Connection& conn, Schema* schema) {
  auto tx = Transaction::Begin(conn);
  if (!tx.ok()) return tx.error();
  // One migrator at a time across instances (the same key space as rotation, another key).
  if (Status st = conn.Exec("select pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
      !st.ok()) {
    return st;
  }
  auto found = Schema::Inspect(conn);
  if (!found.ok()) return found.error();
  for (const TableDef& t : Tables()) {
    const auto& columns = found->Columns(t.name);
    Status st = columns.empty() ? CreateTable(conn, t, found->snake_case())
                                : AddMissingColumns(conn, t, found->snake_case(), columns);
    if (!st.ok()) return st;
  }
  if (Status st = (*tx)->Commit(); !st.ok()) return st;
  auto after = Schema::Inspect(conn);
  if (!after.ok()) return after.error();
  *schema = std::move(*after);
  return Status::Ok();
}

}  // namespace issuer::storage::pg
