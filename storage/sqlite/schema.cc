#include "storage/sqlite/schema.h"

#include <algorithm>

#include "storage/sqlite/transaction.h"

namespace issuer::storage {
namespace {

struct ColumnDef {
  const char* name;
  const char* definition;  // as in Better Auth's CREATE TABLE
  const char* added_as;    // how a missing column is added to an existing table
};

struct TableDef {
  const char* name;
  std::vector<ColumnDef> columns;
  std::vector<const char*> indexes;
};

const std::vector<TableDef>& Tables() {
  static const std::vector<TableDef> tables = {
      {"user",
       {{"id", R"("id" text not null primary key)", nullptr},
        {"name", R"("name" text not null)", R"("name" text not null default '')"},
        {"email", R"("email" text not null unique)", nullptr},
        {"emailVerified", R"("emailVerified" integer not null)",
         R"("emailVerified" integer not null default 0)"},
        {"image", R"("image" text)", R"("image" text)"},
        {"createdAt", R"("createdAt" date not null)", R"("createdAt" date)"},
        {"updatedAt", R"("updatedAt" date not null)", R"("updatedAt" date)"}},
       {}},
      {"session",
       {{"id", R"("id" text not null primary key)", nullptr},
        {"expiresAt", R"("expiresAt" date not null)", R"("expiresAt" date)"},
        {"token", R"("token" text not null unique)", nullptr},
        {"createdAt", R"("createdAt" date not null)", R"("createdAt" date)"},
        {"updatedAt", R"("updatedAt" date not null)", R"("updatedAt" date)"},
        {"ipAddress", R"("ipAddress" text)", R"("ipAddress" text)"},
        {"userAgent", R"("userAgent" text)", R"("userAgent" text)"},
        {"userId", R"("userId" text not null references "user" ("id") on delete cascade)",
         nullptr}},
       {R"(create index "session_userId_idx" on "session" ("userId"))"}},
      {"account",
       {{"id", R"("id" text not null primary key)", nullptr},
        {"accountId", R"("accountId" text not null)", nullptr},
        {"providerId", R"("providerId" text not null)", nullptr},
        {"userId", R"("userId" text not null references "user" ("id") on delete cascade)",
         nullptr},
        {"accessToken", R"("accessToken" text)", R"("accessToken" text)"},
        {"refreshToken", R"("refreshToken" text)", R"("refreshToken" text)"},
        {"idToken", R"("idToken" text)", R"("idToken" text)"},
        {"accessTokenExpiresAt", R"("accessTokenExpiresAt" date)", R"("accessTokenExpiresAt" date)"},
        {"refreshTokenExpiresAt", R"("refreshTokenExpiresAt" date)",
         R"("refreshTokenExpiresAt" date)"},
        {"scope", R"("scope" text)", R"("scope" text)"},
        {"password", R"("password" text)", R"("password" text)"},
        {"createdAt", R"("createdAt" date not null)", R"("createdAt" date)"},
        {"updatedAt", R"("updatedAt" date not null)", R"("updatedAt" date)"}},
       {R"(create index "account_userId_idx" on "account" ("userId"))"}},
      {"verification",
       {{"id", R"("id" text not null primary key)", nullptr},
        {"identifier", R"("identifier" text not null)", nullptr},
        {"value", R"("value" text not null)", nullptr},
        {"expiresAt", R"("expiresAt" date not null)", R"("expiresAt" date)"},
        {"createdAt", R"("createdAt" date not null)", R"("createdAt" date)"},
        {"updatedAt", R"("updatedAt" date not null)", R"("updatedAt" date)"}},
       {R"(create index "verification_identifier_idx" on "verification" ("identifier"))"}},
      {"jwks",
       {{"id", R"("id" text not null primary key)", nullptr},
        {"publicKey", R"("publicKey" text not null)", nullptr},
        {"privateKey", R"("privateKey" text not null)", nullptr},
        {"createdAt", R"("createdAt" date not null)", R"("createdAt" date)"},
        {"expiresAt", R"("expiresAt" date)", R"("expiresAt" date)"},
        {"alg", R"("alg" text)", R"("alg" text)"},
        {"crv", R"("crv" text)", R"("crv" text)"}},
       {}},
      // ba-issuer's own table (Better Auth ignores it): true creation and revocation times.
      {"ba_issuer_key",
       {{"id", R"("id" text not null primary key)", nullptr},
        {"alg", R"("alg" text)", R"("alg" text)"},
        {"createdAt", R"("createdAt" date not null)", R"("createdAt" date)"},
        {"revokedAt", R"("revokedAt" date)", R"("revokedAt" date)"}},
       {}},
  };
  return tables;
}

Status CreateTable(Connection& conn, const TableDef& table) {
  std::string sql = "create table \"" + std::string(table.name) + "\" (";
  for (size_t i = 0; i < table.columns.size(); ++i) {
    sql += (i ? ", " : "") + std::string(table.columns[i].definition);
  }
  sql += ")";
  Status st = conn.Exec(sql);
  for (const char* index : table.indexes) {
    if (st.ok()) st = conn.Exec(index);
  }
  return st;
}

Status AddMissingColumns(Connection& conn, const TableDef& table,
                         const std::vector<std::string>& existing) {
  for (const ColumnDef& col : table.columns) {
    if (std::find(existing.begin(), existing.end(), col.name) != existing.end()) continue;
    if (col.added_as == nullptr) {
      return Error{Errc::kInvalidArgument, "table \"" + std::string(table.name) +
                                               "\" lacks required column \"" + col.name + "\""};
    }
    Status st = conn.Exec("alter table \"" + std::string(table.name) + "\" add column " +
                          col.added_as);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> TableColumns(Connection& conn, const std::string& table) {
  auto st = Statement::Prepare(conn.handle(), "SELECT name FROM pragma_table_info(?1)");
  if (!st.ok()) return st.error();
  st->BindText(1, table);
  std::vector<std::string> columns;
  Statement::StepResult r;
  while ((r = st->Step()) == Statement::kRow) columns.push_back(st->ColumnText(0));
  if (r == Statement::kError) return SqliteError(conn.handle(), st->last_rc(), "table_info");
  return columns;
}

Status Migrate(Connection& conn) {
  auto tx = Transaction::Begin(conn);
  if (!tx.ok()) return tx.error();
  for (const TableDef& table : Tables()) {
    auto columns = TableColumns(conn, table.name);
    if (!columns.ok()) return columns.error();
    Status st = columns->empty() ? CreateTable(conn, table)
                                 : AddMissingColumns(conn, table, *columns);
    if (!st.ok()) return st;
  }
  return (*tx)->Commit();
}

}  // namespace issuer::storage
