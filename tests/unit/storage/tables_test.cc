// Better Auth's adapter over any table (Repository::DeclareTables, Columns, FindRows, CountRows,
// InsertRow, UpdateRows, DeleteRows, ConsumeRateLimit): the same assertions on SQLite in memory,
// on PostgreSQL as Better Auth's Kysely migration makes it, and on PostgreSQL in Drizzle's
// snake_case naming. Then what only PostgreSQL does: its DDL, and instances sharing a count.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/repository.h"
#include "tests/support/postgres.h"

namespace issuer::storage {
namespace {

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z
constexpr int64_t kHour = 3600 * 1000;

using T = FieldType;

// Drizzle's user table (snake_case, naive timestamps); the store makes the others in its naming.
constexpr const char* kSnakeUserDdl =
    R"(create table "user" (id text primary key, name text not null, email text not null unique,
       email_verified boolean not null, image text, created_at timestamp not null,
       updated_at timestamp not null))";

// The enclosing test runs once per store; `location` is set to the one in use.
std::unique_ptr<Repository> OpenEachStore(std::string* location) {
  SUBCASE("sqlite in memory") { *location = ":memory:"; }
  SUBCASE("postgresql") { *location = test::FreshPostgresDatabase(); }
  SUBCASE("postgresql snake_case") {
    *location = test::FreshPostgresDatabase();
    test::PostgresExec(*location, kSnakeUserDdl);
  }
  auto store = OpenRepository(*location);
  INFO(*location, ": ", (store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(*store);
}

std::unique_ptr<Repository> OpenPostgres(const std::string& url,
                                         OpenMode mode = OpenMode::kReadWrite) {
  auto store = OpenRepository(url, mode);
  INFO(url, ": ", (store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(*store);
}

// A field; `flags` holds any of "required", "unique", "index".
FieldDecl Field(const std::string& name, FieldType type, std::string_view flags = "",
                const std::string& references = "", ColumnValue default_value = {}) {
  FieldDecl field;
  field.name = name;
  field.type = type;
  field.required = flags.find("required") != std::string_view::npos;
  field.unique = flags.find("unique") != std::string_view::npos;
  field.index = flags.find("index") != std::string_view::npos;
  field.references = references;
  field.default_value = std::move(default_value);
  return field;
}

// A two-factor plugin's table and columns, as Better Auth's schema declares them.
std::vector<TableDecl> PluginTables() {
  return {
      {"twoFactor",
       {Field("userId", T::kString, "required index", "user.id"),
        Field("secret", T::kString, "required unique"),
        Field("enabled", T::kBoolean, "", "", int64_t{0}), Field("verifiedAt", T::kDate),
        Field("attempts", T::kNumber)}},
      {"user",
       {Field("twoFactorEnabled", T::kBoolean, "", "", int64_t{0}),
        Field("lastLoginAt", T::kDate)}},
      {"session", {Field("impersonatedBy", T::kString)}},
  };
}

// Better Auth's rateLimit table (get-tables.mjs).
TableDecl RateLimitTable() {
  return {"rateLimit",
          {Field("key", T::kString, "required unique"), Field("count", T::kNumber, "required"),
           Field("lastRequest", T::kNumber, "required")}};
}

FindOptions Page(const std::string& sort_by, bool descending, int64_t limit = -1,
                 int64_t offset = 0) {
  FindOptions options;
  options.sort_by = sort_by;
  options.descending = descending;
  options.limit = limit;
  options.offset = offset;
  return options;
}

void Declare(Repository& store, const std::vector<TableDecl>& tables) {
  Status st = store.DeclareTables(tables);
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st.ok());
}

void AddUser(Repository& store, const std::string& id, std::vector<ExtraColumn> extra = {}) {
  Status st = store.CreateUser(
      UserRow{id, "N", id + "@example.com", false, std::nullopt, kT0, kT0, std::move(extra)},
      std::nullopt);
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st.ok());
}

SessionRow Session(const std::string& id, const std::string& token, const std::string& user_id) {
  SessionRow session;
  session.id = id;
  session.token = token;
  session.user_id = user_id;
  session.expires_at_ms = kT0 + kHour;
  session.created_at_ms = session.updated_at_ms = kT0;
  return session;
}

Row TwoFactor(const std::string& id, const std::string& user_id, const std::string& secret,
              int64_t enabled, ColumnValue verified_at, int64_t attempts) {
  return {{"id", id},
          {"userId", user_id},
          {"secret", secret},
          {"enabled", enabled},
          {"verifiedAt", std::move(verified_at)},
          {"attempts", attempts}};
}

void Insert(Repository& store, const std::string& table, const Row& row) {
  Status st = store.InsertRow(table, row);
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st.ok());
}

// The ids of the twoFactor rows `where` finds, comma-separated (by id unless sorted otherwise).
std::string Ids(Repository& store, const std::vector<Where>& where, FindOptions options = {}) {
  if (options.sort_by.empty()) options.sort_by = "id";
  auto rows = store.FindRows("twoFactor", where, options);
  INFO((rows.ok() ? std::string() : rows.error().message));
  REQUIRE(rows.ok());
  std::string ids;
  for (const Row& row : *rows) {
    const ColumnValue* id = FindColumn(row, "id");
    REQUIRE(id);
    ids += (ids.empty() ? "" : ",") + std::get<std::string>(*id);
  }
  return ids;
}

int64_t Count(Repository& store, const std::string& table, const std::vector<Where>& where) {
  auto n = store.CountRows(table, where);
  INFO((n.ok() ? std::string() : n.error().message));
  REQUIRE(n.ok());
  return *n;
}

int64_t Changed(const Result<int64_t>& n) {
  INFO((n.ok() ? std::string() : n.error().message));
  REQUIRE(n.ok());
  return *n;
}

const ExtraColumn* Named(const std::vector<ExtraColumn>& columns, const std::string& name) {
  for (const ExtraColumn& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// Column `name` of `columns` is there, of `type`, holding `value`.
void CheckTyped(const std::vector<ExtraColumn>& columns, const std::string& name, FieldType type,
                const ColumnValue& value) {
  CAPTURE(name);
  const ExtraColumn* column = Named(columns, name);
  REQUIRE(column);
  CHECK(column->type == type);
  CHECK(column->value == value);
}

template <typename R>
Errc CodeOf(const R& result) {
  REQUIRE_FALSE(result.ok());
  return result.error().code;
}

RateLimitStep Consume(Repository& store, const std::string& key, int64_t now, int64_t max) {
  static std::atomic<int> ids{0};
  auto step = store.ConsumeRateLimit(
      RateLimitRequest{key, "rl-" + std::to_string(ids++), now, 10'000, max});
  INFO((step.ok() ? std::string() : step.error().message));
  REQUIRE(step.ok());
  return *step;
}

std::string Query(const std::string& url, const std::string& sql) {
  return test::PostgresQuery(url, sql);
}

// "name:data_type:is_nullable:default" of each column of `table`, in table order.
std::string ColumnsOf(const std::string& url, const std::string& table) {
  return Query(url, R"(select string_agg(column_name || ':' || data_type || ':' || is_nullable ||
      ':' || coalesce(column_default, ''), ',' order by ordinal_position)
      from information_schema.columns where table_schema = 'public' and table_name = ')" +
                        table + "'");
}

}  // namespace

TEST_SUITE("store tables") {
  TEST_CASE("WithDefaults: the declared defaults for the fields a row does not give") {
    auto field = [](const char* name, FieldType type, ColumnValue fallback) {
      FieldDecl decl;
      decl.name = name;
      decl.type = type;
      decl.default_value = std::move(fallback);
      return decl;
    };
    const TableDecl table{"twoFactor",
                          {field("secret", FieldType::kString, {}),
                           field("verified", FieldType::kBoolean, int64_t{1}),
                           field("failedVerificationCount", FieldType::kNumber, int64_t{0})}};
    const Row row = WithDefaults(table, {{"secret", std::string("s"), FieldType::kString},
                                         {"verified", int64_t{0}, FieldType::kBoolean}});
    REQUIRE(row.size() == 3);
    CHECK(std::get<int64_t>(*FindColumn(row, "verified")) == 0);  // given: kept
    CHECK(std::get<int64_t>(*FindColumn(row, "failedVerificationCount")) == 0);
    CHECK(row[2].type == FieldType::kNumber);
  }

  TEST_CASE("a plugin table is made, and its rows are found by every operator, typed") {
    std::string location;
    auto store = OpenEachStore(&location);
    Declare(*store, PluginTables());
    Declare(*store, PluginTables());  // again: nothing to do
    auto columns = store->Columns("twoFactor");
    REQUIRE(columns.ok());
    CHECK(*columns ==
          std::vector<std::string>{"id", "userId", "secret", "enabled", "verifiedAt", "attempts"});
    CHECK(store->Columns("noSuchTable")->empty());
    AddUser(*store, "u1");
    AddUser(*store, "u2");
    Insert(*store, "twoFactor", TwoFactor("tf1", "u1", "ab_c", 1, kT0, 3));
    Insert(*store, "twoFactor", TwoFactor("tf2", "u1", "abxc", 0, std::monostate(), 5));
    Insert(*store, "twoFactor", TwoFactor("tf3", "u2", "x%y", 1, kT0 + 1000, 7));

    auto rows = store->FindRows("twoFactor", {{"id", std::string("tf1")}});
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    const Row& tf1 = rows->front();
    CHECK(tf1.size() == 6);
    CheckTyped(tf1, "userId", T::kString, std::string("u1"));
    CheckTyped(tf1, "enabled", T::kBoolean, int64_t{1});
    CheckTyped(tf1, "verifiedAt", T::kDate, kT0);
    CheckTyped(tf1, "attempts", T::kNumber, int64_t{3});
    auto tf2 = store->FindRows("twoFactor", {{"id", std::string("tf2")}});
    REQUIRE(tf2.ok());
    REQUIRE(tf2->size() == 1);
    CheckTyped(tf2->front(), "verifiedAt", T::kDate, std::monostate());
    CheckTyped(tf2->front(), "enabled", T::kBoolean, int64_t{0});

    CHECK(Ids(*store, {{"attempts", int64_t{5}, WhereOp::kEq}}) == "tf2");
    CHECK(Ids(*store, {{"attempts", int64_t{5}, WhereOp::kNe}}) == "tf1,tf3");
    CHECK(Ids(*store, {{"attempts", int64_t{5}, WhereOp::kLt}}) == "tf1");
    CHECK(Ids(*store, {{"attempts", int64_t{5}, WhereOp::kLte}}) == "tf1,tf2");
    CHECK(Ids(*store, {{"attempts", int64_t{5}, WhereOp::kGt}}) == "tf3");
    CHECK(Ids(*store, {{"attempts", int64_t{5}, WhereOp::kGte}}) == "tf2,tf3");
    CHECK(Ids(*store, {{"enabled", int64_t{1}}}) == "tf1,tf3");
    CHECK(Ids(*store, {{"verifiedAt", kT0, WhereOp::kGt}}) == "tf3");
    CHECK(Ids(*store, {{"verifiedAt", kT0, WhereOp::kLte}}) == "tf1");
    CHECK(Ids(*store, {{"verifiedAt", std::monostate(), WhereOp::kEq}}) == "tf2");
    CHECK(Ids(*store, {{"verifiedAt", std::monostate(), WhereOp::kNe}}) == "tf1,tf3");
    // LIKE's wildcards in the value match only themselves.
    CHECK(Ids(*store, {{"secret", std::string("_"), WhereOp::kContains}}) == "tf1");
    CHECK(Ids(*store, {{"secret", std::string("%"), WhereOp::kContains}}) == "tf3");
    CHECK(Ids(*store, {{"secret", std::string("b"), WhereOp::kContains}}) == "tf1,tf2");
    CHECK(Ids(*store, {{"secret", std::string("ab"), WhereOp::kStartsWith}}) == "tf1,tf2");
    CHECK(Ids(*store, {{"secret", std::string("c"), WhereOp::kEndsWith}}) == "tf1,tf2");
    CHECK(Ids(*store, {{"secret", std::string("x%"), WhereOp::kStartsWith}}) == "tf3");
    CHECK(Ids(*store, {{"userId", std::string("u1")}, {"enabled", int64_t{1}}}) == "tf1");
    CHECK(CodeOf(store->FindRows("twoFactor", {{"secret", int64_t{1}, WhereOp::kContains}})) ==
          Errc::kInvalidArgument);

    CHECK(Ids(*store, {}, Page("attempts", true)) == "tf3,tf2,tf1");
    CHECK(Ids(*store, {}, Page("attempts", true, 2)) == "tf3,tf2");
    CHECK(Ids(*store, {}, Page("attempts", false, 1, 1)) == "tf2");
    CHECK(Ids(*store, {}, Page("attempts", false, -1, 2)) == "tf3");
    CHECK(Ids(*store, {}, Page("id", false, 0)).empty());

    CHECK(Count(*store, "twoFactor", {}) == 3);
    CHECK(Count(*store, "twoFactor", {{"userId", std::string("u1")}}) == 2);
    CHECK(Count(*store, "twoFactor", {{"verifiedAt", std::monostate()}}) == 1);

    CHECK(Changed(store->UpdateRows("twoFactor", {{"userId", std::string("u1")}},
                                    {{"enabled", int64_t{1}}, {"attempts", int64_t{9}}})) == 2);
    CHECK(Ids(*store, {{"enabled", int64_t{1}}, {"attempts", int64_t{9}}}) == "tf1,tf2");
    CHECK(Changed(store->UpdateRows("twoFactor", {{"id", std::string("tf2")}},
                                    {{"verifiedAt", kT0 + 5}})) == 1);
    CHECK(Ids(*store, {{"verifiedAt", kT0 + 5}}) == "tf2");
    CHECK(Changed(store->UpdateRows("twoFactor", {{"id", std::string("none")}},
                                    {{"attempts", int64_t{1}}})) == 0);

    CHECK(Changed(store->DeleteRows("twoFactor", {{"secret", std::string("x%y")}})) == 1);
    CHECK(Changed(store->DeleteRows("twoFactor", {{"secret", std::string("x%y")}})) == 0);
    CHECK(Ids(*store, {}) == "tf1,tf2");
    // userId references user.id on delete cascade.
    REQUIRE(store->DeleteUser("u1").ok());
    CHECK(Count(*store, "twoFactor", {}) == 0);
  }

  TEST_CASE("names must be plain, and a broken uniqueness rule is kConflict") {
    std::string location;
    auto store = OpenEachStore(&location);
    Declare(*store, PluginTables());
    AddUser(*store, "u1");
    const std::vector<Where> bad_field = {{"user id", std::string("u1")}};
    CHECK(CodeOf(store->FindRows("two\"Factor", {})) == Errc::kInvalidArgument);
    CHECK(CodeOf(store->FindRows("twoFactor", bad_field)) == Errc::kInvalidArgument);
    CHECK(CodeOf(store->FindRows("twoFactor", {}, Page("attempts desc", false))) ==
          Errc::kInvalidArgument);
    CHECK(CodeOf(store->CountRows("twoFactor", bad_field)) == Errc::kInvalidArgument);
    CHECK(CodeOf(store->InsertRow("twoFactor", {{"id", std::string("x")}, {"a;b", int64_t{1}}})) ==
          Errc::kInvalidArgument);
    CHECK(CodeOf(store->UpdateRows("twoFactor", {}, {{"a-b", int64_t{1}}})) ==
          Errc::kInvalidArgument);
    CHECK(CodeOf(store->UpdateRows("twoFactor", {}, {})) == Errc::kInvalidArgument);
    CHECK(CodeOf(store->DeleteRows("twoFactor", bad_field)) == Errc::kInvalidArgument);
    CHECK(CodeOf(store->DeclareTables({{"bad table", {}}})) == Errc::kInvalidArgument);
    CHECK(CodeOf(store->DeclareTables({{"twoFactor", {Field("x\"y", T::kString)}}})) ==
          Errc::kInvalidArgument);

    Insert(*store, "twoFactor", TwoFactor("tf1", "u1", "s1", 0, std::monostate(), 0));
    CHECK(CodeOf(store->InsertRow("twoFactor", TwoFactor("tf2", "u1", "s1", 0, kT0, 0))) ==
          Errc::kConflict);
    CHECK(CodeOf(store->InsertRow("twoFactor", TwoFactor("tf1", "u1", "s2", 0, kT0, 0))) ==
          Errc::kConflict);
    CHECK(Ids(*store, {}) == "tf1");
  }

  TEST_CASE("declared user and session columns are read typed by the user and session lookups") {
    std::string location;
    auto store = OpenEachStore(&location);
    Declare(*store, PluginTables());
    AddUser(*store, "u1",
            {{"twoFactorEnabled", int64_t{1}, T::kBoolean}, {"lastLoginAt", kT0, T::kDate}});
    AddUser(*store, "u2");
    REQUIRE(Changed(store->UpdateRows(
                "user", {{"id", std::string("u2")}},
                {{"twoFactorEnabled", int64_t{0}}, {"lastLoginAt", kT0 + 1}})) == 1);
    SessionRow session = Session("s1", "tok1", "u1");
    REQUIRE(store->InsertSession(session).ok());
    REQUIRE(Changed(store->UpdateRows("session", {{"token", std::string("tok1")}},
                                      {{"impersonatedBy", std::string("admin1")}})) == 1);

    auto u1 = store->FindUserById("u1");
    REQUIRE(u1.ok());
    REQUIRE(u1->has_value());
    CHECK((*u1)->extra.size() == 2);
    CheckTyped((*u1)->extra, "twoFactorEnabled", T::kBoolean, int64_t{1});
    CheckTyped((*u1)->extra, "lastLoginAt", T::kDate, kT0);
    auto u2 = store->FindUserById("u2");
    REQUIRE(u2.ok());
    REQUIRE(u2->has_value());
    CheckTyped((*u2)->extra, "twoFactorEnabled", T::kBoolean, int64_t{0});
    CheckTyped((*u2)->extra, "lastLoginAt", T::kDate, kT0 + 1);

    auto found = store->FindSessionWithUser("tok1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CheckTyped((*found)->user.extra, "twoFactorEnabled", T::kBoolean, int64_t{1});
    CheckTyped((*found)->user.extra, "lastLoginAt", T::kDate, kT0);
    CheckTyped((*found)->session.extra, "impersonatedBy", T::kString, std::string("admin1"));

    // The core columns through FindRows: Better Auth's names and types.
    auto rows = store->FindRows("user", {{"twoFactorEnabled", int64_t{1}}});
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    CheckTyped(rows->front(), "id", T::kString, std::string("u1"));
    CheckTyped(rows->front(), "emailVerified", T::kBoolean, int64_t{0});
    CheckTyped(rows->front(), "createdAt", T::kDate, kT0);
    CHECK(Count(*store, "session",
                {{"expiresAt", kT0, WhereOp::kGt}, {"userId", std::string("u1")}}) == 1);
  }

  TEST_CASE("ConsumeRateLimit counts to max in a window, refuses past it, and resets after it") {
    std::string location;
    auto store = OpenEachStore(&location);
    Declare(*store, {RateLimitTable()});
    const std::string key = "10.0.0.1|/sign-in/email";
    for (int64_t i = 0; i < 3; ++i) {
      const RateLimitStep step = Consume(*store, key, kT0 + i, 3);
      CHECK(step.allowed);
      CHECK(step.last_request_ms == kT0 + i);
    }
    for (int64_t i = 3; i < 5; ++i) {
      const RateLimitStep refused = Consume(*store, key, kT0 + i, 3);
      CHECK_FALSE(refused.allowed);
      CHECK(refused.last_request_ms == kT0 + 2);  // unchanged
    }
    CHECK(Consume(*store, "10.0.0.2|/sign-in/email", kT0 + 5, 3).allowed);  // its own count
    auto rows = store->FindRows("rateLimit", {{"key", key}});
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    CheckTyped(rows->front(), "count", T::kNumber, int64_t{3});
    CheckTyped(rows->front(), "lastRequest", T::kNumber, kT0 + 2);
    // A window (10 s) after the last counted request, the count starts again.
    CHECK_FALSE(Consume(*store, key, kT0 + 2 + 9'999, 3).allowed);
    const RateLimitStep reset = Consume(*store, key, kT0 + 2 + 10'000, 3);
    CHECK(reset.allowed);
    CHECK(reset.last_request_ms == kT0 + 2 + 10'000);
    CHECK(Count(*store, "rateLimit", {{"key", key}, {"count", int64_t{1}}}) == 1);
    CHECK(Count(*store, "rateLimit", {}) == 2);
  }
}

TEST_SUITE("postgres tables") {
  TEST_CASE("plugin tables and columns have Better Auth's PostgreSQL types, keys and indexes") {
    const std::string url = test::FreshPostgresDatabase();
    auto store = OpenPostgres(url);
    AddUser(*store, "u0");  // the user table has a row before its columns are added
    std::vector<TableDecl> tables = PluginTables();
    tables.push_back(RateLimitTable());
    Declare(*store, tables);
    CHECK(ColumnsOf(url, "twoFactor") ==
          "id:text:NO:,userId:text:NO:,secret:text:NO:,enabled:boolean:YES:,"
          "verifiedAt:timestamp with time zone:YES:,attempts:integer:YES:");
    CHECK(ColumnsOf(url, "rateLimit") ==
          "id:text:NO:,key:text:NO:,count:integer:NO:,lastRequest:bigint:NO:");
    // Added to a table with rows: nullable, with Better Auth's static default.
    CHECK(Query(url, R"(select string_agg(column_name || ':' || data_type || ':' || is_nullable ||
        ':' || coalesce(column_default, ''), ',' order by ordinal_position)
        from information_schema.columns where table_name = 'user'
        and column_name in ('twoFactorEnabled', 'lastLoginAt'))") ==
          "twoFactorEnabled:boolean:YES:false,lastLoginAt:timestamp with time zone:YES:");
    CHECK(Query(url, R"(select string_agg(indexname, ',' order by indexname) from pg_indexes
        where tablename in ('twoFactor', 'rateLimit'))") ==
          "rateLimit_key_key,rateLimit_pkey,twoFactor_pkey,twoFactor_secret_key,"
          "twoFactor_userId_idx");
    CHECK(Query(url, R"(select conname || ':' || confdeltype::text from pg_constraint
        where contype = 'f' and conrelid = '"twoFactor"'::regclass)") == "twoFactor_userId_fkey:c");
    // A field added to the plugin table later: its column and index (unique: "_uidx").
    Declare(*store, {{"twoFactor",
                      {Field("backupCodes", T::kString, "index"),
                       Field("label", T::kString, "required unique")}}});
    CHECK(Query(url, R"(select string_agg(indexname, ',' order by indexname) from pg_indexes
        where tablename = 'twoFactor' and indexname like '%idx')") ==
          "twoFactor_backupCodes_idx,twoFactor_label_uidx,twoFactor_userId_idx");
    // Values as Better Auth's PostgreSQL adapter stores them: booleans, instants.
    Insert(*store, "twoFactor", TwoFactor("tf1", "u0", "s1", 1, kT0, 2));
    CHECK(Query(url, R"(select "enabled", "verifiedAt" at time zone 'UTC', "attempts"
        from "twoFactor")") == "t|2026-11-24 05:44:34.082|2");
  }

  TEST_CASE(
      "in a snake_case database a plugin's columns are snake_case, rows keep Better Auth's names") {
    const std::string url = test::FreshPostgresDatabase();
    test::PostgresExec(url, kSnakeUserDdl);
    auto store = OpenPostgres(url);
    Declare(*store, PluginTables());
    CHECK(Query(url, R"(select string_agg(column_name, ',' order by ordinal_position)
        from information_schema.columns where table_name = 'twoFactor')") ==
          "id,user_id,secret,enabled,verified_at,attempts");
    CHECK(Query(url, R"(select string_agg(column_name, ',' order by ordinal_position)
        from information_schema.columns where table_name = 'user' and ordinal_position > 7)") ==
          "two_factor_enabled,last_login_at");
    // A declared field given to CreateUser goes to its column, not to a new camelCase one.
    AddUser(*store, "u1", {{"twoFactorEnabled", int64_t{1}, T::kBoolean}});
    CHECK(Query(url, R"(select count(*) from information_schema.columns
        where table_name = 'user')") == "9");
    CHECK(Query(url, R"(select two_factor_enabled from "user")") == "t");
    auto user = store->FindUserById("u1");
    REQUIRE(user.ok());
    REQUIRE(user->has_value());
    CheckTyped((*user)->extra, "twoFactorEnabled", T::kBoolean, int64_t{1});
  }

  TEST_CASE("a session's declared columns are written on insert and read back typed") {
    const std::string url = test::FreshPostgresDatabase();
    auto store = OpenPostgres(url);
    Declare(*store, PluginTables());
    AddUser(*store, "u1");
    SessionRow session = Session("s1", "tok1", "u1");
    session.extra = {{"impersonatedBy", std::string("admin1")}};
    REQUIRE(store->InsertSession(session).ok());
    auto found = store->FindSessionWithUser("tok1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CheckTyped((*found)->session.extra, "impersonatedBy", T::kString, std::string("admin1"));
    session.id = "s2";
    session.token = "tok2";
    session.extra = {{"no such column", std::string("x")}};
    CHECK(CodeOf(store->InsertSession(session)) == Errc::kInvalidArgument);
  }

  TEST_CASE("a read-only store records the declared types and writes nothing") {
    const std::string url = test::FreshPostgresDatabase();
    {
      auto writer = OpenPostgres(url);
      Declare(*writer, PluginTables());
      AddUser(*writer, "u1", {{"lastLoginAt", kT0, T::kDate}});
    }
    auto reader = OpenPostgres(url, OpenMode::kReadOnly);
    std::vector<TableDecl> tables = PluginTables();
    tables.push_back(RateLimitTable());
    Declare(*reader, tables);
    CHECK(Query(url, R"(select count(*) from information_schema.tables
        where table_name = 'rateLimit')") == "0");
    auto user = reader->FindUserById("u1");
    REQUIRE(user.ok());
    REQUIRE(user->has_value());
    CheckTyped((*user)->extra, "lastLoginAt", T::kDate, kT0);
    CHECK(CodeOf(reader->InsertRow("twoFactor", TwoFactor("tf1", "u1", "s", 0, kT0, 0))) ==
          Errc::kUnavailable);
  }

  TEST_CASE("instances on one database share a rate limit: together they allow max") {
    const std::string url = test::FreshPostgresDatabase();
    std::vector<std::unique_ptr<Repository>> instances;
    for (int i = 0; i < 2; ++i) instances.push_back(OpenPostgres(url));
    {
      // Both declare at once (as instances starting together): one makes the table.
      std::atomic<int> declared{0};
      std::vector<std::thread> declaring;
      for (auto& instance : instances) {
        declaring.emplace_back([&] {
          if (instance->DeclareTables({RateLimitTable()}).ok()) declared.fetch_add(1);
        });
      }
      for (auto& th : declaring) th.join();
      CHECK(declared.load() == 2);
    }
    // Taking turns, each sees the other's count.
    const std::string key = "10.0.0.9|/sign-up/email";
    CHECK(Consume(*instances[0], key, kT0, 2).allowed);
    CHECK(Consume(*instances[1], key, kT0 + 1, 2).allowed);
    CHECK_FALSE(Consume(*instances[0], key, kT0 + 2, 2).allowed);
    CHECK_FALSE(Consume(*instances[1], key, kT0 + 3, 2).allowed);
    // At once, on several connections of each: exactly max are allowed between them.
    constexpr int64_t kMax = 37;
    std::atomic<int64_t> allowed{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        Repository& store = *instances[static_cast<size_t>(t % 2)];
        for (int i = 0; i < 20; ++i) {
          auto step = store.ConsumeRateLimit(RateLimitRequest{
              "burst", "b-" + std::to_string(t) + "-" + std::to_string(i), kT0 + i, kHour, kMax});
          if (!step.ok()) {
            failed.fetch_add(1);
          } else if (step->allowed) {
            allowed.fetch_add(1);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failed.load() == 0);
    CHECK(allowed.load() == kMax);
    CHECK(Count(*instances[1], "rateLimit", {{"key", std::string("burst")}, {"count", kMax}}) == 1);
  }
}

}  // namespace issuer::storage
