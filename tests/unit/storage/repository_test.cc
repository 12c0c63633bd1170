#include "storage/sqlite/repository.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/statement.h"
#include "tests/support/postgres.h"

namespace issuer::storage {
namespace {

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z
constexpr int64_t kWeek = 7LL * 24 * 3600 * 1000;

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ba-issuer-store-test-" + std::to_string(getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A second, independent connection for looking at what the Store wrote.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    auto conn = Connection::Open(path, /*in_memory=*/false);
    REQUIRE(conn.ok());
    conn_ = std::move(*conn);
  }

  void Exec(const std::string& sql) {
    Status st = conn_->Exec(sql);
    INFO(sql, " -> ", st.ok() ? "" : st.error().message);
    REQUIRE(st.ok());
  }

  // Every row, columns joined with '|', rows with '\n'; NULL shows as "NULL".
  std::string Query(const std::string& sql) {
    auto st = Statement::Prepare(conn_->handle(), sql);
    REQUIRE(st.ok());
    std::string out;
    Statement::StepResult r;
    while ((r = st->Step()) == Statement::kRow) {
      if (!out.empty()) out += '\n';
      for (int c = 0; c < st->ColumnCount(); ++c) {
        if (c > 0) out += '|';
        out += st->ColumnIsNull(c) ? "NULL" : st->ColumnText(c);
      }
    }
    REQUIRE(r == Statement::kDone);
    return out;
  }

  // The column names of `table`, comma-separated.
  std::string Columns(const std::string& table) {
    std::string names = Query("SELECT group_concat(name, ',') FROM (SELECT name FROM "
                              "pragma_table_info('" + table + "') ORDER BY cid)");
    return names;
  }

 private:
  std::unique_ptr<Connection> conn_;
};

using Store = SqliteRepository;

std::unique_ptr<Store> OpenStore(const std::string& path) {
  auto store = Store::Open(path);
  INFO((store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(*store);
}

UserRow MakeUser(const std::string& id, const std::string& email) {
  UserRow u;
  u.id = id;
  u.name = "Alice";
  u.email = email;
  u.created_at_ms = kT0;
  u.updated_at_ms = kT0 + 1;
  return u;
}

AccountRow MakeAccount(const UserRow& user) {
  AccountRow a;
  a.id = "acc-" + user.id;
  a.account_id = user.id;
  a.provider_id = "credential";
  a.user_id = user.id;
  a.password = "00112233445566778899aabbccddeeff:abcdef";
  a.created_at_ms = kT0;
  a.updated_at_ms = kT0;
  return a;
}

SessionRow MakeSession(const UserRow& user, const std::string& token) {
  SessionRow s;
  s.id = "ses-" + token;
  s.token = token;
  s.user_id = user.id;
  s.expires_at_ms = kT0 + kWeek;
  s.created_at_ms = kT0;
  s.updated_at_ms = kT0;
  s.ip_address = "127.0.0.1";
  s.user_agent = "curl/8.0";
  return s;
}

JwkRow MakeJwk(const std::string& id, int64_t created_at,
               std::optional<int64_t> expires_at = std::nullopt) {
  return JwkRow{id, R"({"crv":"Ed25519","x":"x-)" + id + R"(","kty":"OKP"})",
                "\"sealed-" + id + "\"", created_at, expires_at, "EdDSA", "Ed25519"};
}

// The enclosing test runs once per store: SQLite in memory, a SQLite file, PostgreSQL (a fresh
// database in the test cluster). `location` is set to the one in use.
std::unique_ptr<Repository> OpenEachStore(const TempDir& dir, std::string* location) {
  SUBCASE("sqlite in memory") { *location = ":memory:"; }
  SUBCASE("sqlite file") { *location = dir.File("auth.db"); }
  SUBCASE("postgresql") { *location = test::FreshPostgresDatabase(); }
  auto store = OpenRepository(*location);
  INFO(*location, ": ", (store.ok() ? std::string() : store.error().message));
  REQUIRE(store.ok());
  return std::move(*store);
}

bool IsPostgres(const std::string& location) { return location.starts_with("postgres"); }

// The user, account and session row counts, "u|a|s".
std::string RowCounts(const std::string& location) {
  const std::string sql =
      R"(SELECT (SELECT count(*) FROM "user"), (SELECT count(*) FROM "account"),)"
      R"( (SELECT count(*) FROM "session"))";
  if (IsPostgres(location)) return test::PostgresQuery(location, sql);
  return RawDb(location).Query(sql);
}

std::string JwkIds(Repository& store) {
  auto rows = store.ListJwks();
  REQUIRE(rows.ok());
  std::string ids;
  for (const JwkRow& r : *rows) ids += (ids.empty() ? "" : ",") + r.id;
  return ids;
}

bool Inserted(Repository& store, const JwkRow& row, int64_t now, std::string_view alg = "EdDSA") {
  auto r = store.InsertJwkUnlessLiveExists(row, alg, now);
  REQUIRE(r.ok());
  return *r;
}

void SignUp(Repository& store, const UserRow& user, const std::string& token) {
  Status st = store.CreateUserWithAccount(user, MakeAccount(user), MakeSession(user, token));
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st.ok());
}

// The Better Auth 1.7 DDL of the user table, plus app columns.
std::string UserDdl(const std::string& extra_columns) {
  return R"(create table "user" ("id" text not null primary key, "name" text not null,)"
         R"( "email" text not null unique, "emailVerified" integer not null, "image" text,)"
         R"( "createdAt" date not null, "updatedAt" date not null)" +
         extra_columns + ")";
}

const std::string* ExtraText(const std::vector<ExtraColumn>& extra, const std::string& name) {
  for (const ExtraColumn& c : extra) {
    if (c.name == name) return std::get_if<std::string>(&c.value);
  }
  return nullptr;
}

}  // namespace

TEST_SUITE("store") {
  TEST_CASE("Open creates Better Auth's five tables with its exact columns") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    { auto store = OpenStore(path); }
    RawDb raw(path);
    CHECK(raw.Columns("user") == "id,name,email,emailVerified,image,createdAt,updatedAt");
    CHECK(raw.Columns("session") ==
          "id,expiresAt,token,createdAt,updatedAt,ipAddress,userAgent,userId");
    CHECK(raw.Columns("account") ==
          "id,accountId,providerId,userId,accessToken,refreshToken,idToken,"
          "accessTokenExpiresAt,refreshTokenExpiresAt,scope,password,createdAt,updatedAt");
    CHECK(raw.Columns("verification") == "id,identifier,value,expiresAt,createdAt,updatedAt");
    CHECK(raw.Columns("jwks") == "id,publicKey,privateKey,createdAt,expiresAt,alg,crv");
    CHECK(raw.Query("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                    "WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name)") ==
          "account_userId_idx,session_userId_idx,verification_identifier_idx");
    CHECK(raw.Query("SELECT \"notnull\", pk FROM pragma_table_info('user') WHERE name = 'id'") ==
          "1|1");
    CHECK(raw.Query("PRAGMA journal_mode") == "wal");
  }

  TEST_CASE("reopening an existing database keeps its data") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    {
      auto store = OpenStore(path);
      SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    }
    auto store = OpenStore(path);
    auto found = store->FindSessionWithUser("tok1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->user.email == "alice@example.com");
  }

  TEST_CASE("Open reports a file that cannot be opened") {
    auto store = Store::Open("/nonexistent-dir-for-ba-issuer/auth.db");
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().code == Errc::kUnavailable);
  }

  TEST_CASE("sign-up rows read back through both lookups") {
    TempDir dir;
    std::string path;
    auto store = OpenEachStore(dir, &path);
    UserRow user = MakeUser("user-1", "alice@example.com");
    user.image = "https://img.example/a.png";
    SignUp(*store, user, "token-1");

    auto cred = store->FindCredentialUser("alice@example.com");
    REQUIRE(cred.ok());
    REQUIRE(cred->has_value());
    const CredentialUser& cu = **cred;
    CHECK(cu.user.id == "user-1");
    CHECK(cu.user.name == "Alice");
    CHECK(cu.user.email == "alice@example.com");
    CHECK_FALSE(cu.user.email_verified);
    CHECK(cu.user.image == std::optional<std::string>("https://img.example/a.png"));
    CHECK(cu.user.created_at_ms == kT0);
    CHECK(cu.user.updated_at_ms == kT0 + 1);
    CHECK(cu.user.extra.empty());
    CHECK(cu.password == std::optional<std::string>("00112233445566778899aabbccddeeff:abcdef"));

    auto found = store->FindSessionWithUser("token-1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    const SessionWithUser& sw = **found;
    CHECK(sw.session.id == "ses-token-1");
    CHECK(sw.session.token == "token-1");
    CHECK(sw.session.user_id == "user-1");
    CHECK(sw.session.expires_at_ms == kT0 + kWeek);
    CHECK(sw.session.created_at_ms == kT0);
    CHECK(sw.session.updated_at_ms == kT0);
    CHECK(sw.session.ip_address == std::optional<std::string>("127.0.0.1"));
    CHECK(sw.session.user_agent == std::optional<std::string>("curl/8.0"));
    CHECK(sw.session.extra.empty());
    CHECK(sw.user.id == "user-1");
    CHECK(sw.user.email == "alice@example.com");

    auto no_user = store->FindCredentialUser("bob@example.com");
    REQUIRE(no_user.ok());
    CHECK_FALSE(no_user->has_value());
    auto no_session = store->FindSessionWithUser("token-2");
    REQUIRE(no_session.ok());
    CHECK_FALSE(no_session->has_value());
  }

  TEST_CASE("null optionals round trip as null") {
    TempDir dir;
    std::string path;
    auto store = OpenEachStore(dir, &path);
    const UserRow user = MakeUser("u1", "a@example.com");
    SessionRow session = MakeSession(user, "t1");
    session.ip_address.reset();
    session.user_agent = "";
    AccountRow account = MakeAccount(user);
    account.password.reset();
    REQUIRE(store->CreateUserWithAccount(user, account, session).ok());
    auto found = store->FindSessionWithUser("t1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK_FALSE((*found)->session.ip_address.has_value());
    CHECK((*found)->session.user_agent == std::optional<std::string>(""));
    CHECK_FALSE((*found)->user.image.has_value());
    auto cred = store->FindCredentialUser("a@example.com");
    REQUIRE(cred.ok());
    REQUIRE(cred->has_value());
    CHECK_FALSE((*cred)->password.has_value());
  }

  TEST_CASE("dates are stored as ISO-8601 text, booleans as integers") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    RawDb raw(path);
    CHECK(raw.Query(R"(SELECT typeof("createdAt"), "createdAt", typeof("updatedAt"), "updatedAt",)"
                    R"( typeof("emailVerified"), "emailVerified" FROM "user")") ==
          "text|2026-11-24T05:44:34.082Z|text|2026-11-24T05:44:34.083Z|integer|0");
    CHECK(raw.Query(R"(SELECT typeof("expiresAt"), "expiresAt", "createdAt" FROM "session")") ==
          "text|2026-12-01T05:44:34.082Z|2026-11-24T05:44:34.082Z");
    CHECK(raw.Query(R"(SELECT "accountId", "providerId", "userId", typeof("createdAt"),)"
                    R"( "accessToken" FROM "account")") == "u1|credential|u1|text|NULL");
  }

  TEST_CASE("a duplicate email is kConflict and writes nothing") {
    TempDir dir;
    std::string path;
    auto store = OpenEachStore(dir, &path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");

    const UserRow dup = MakeUser("u2", "alice@example.com");
    Status st = store->CreateUserWithAccount(dup, MakeAccount(dup), MakeSession(dup, "tok2"));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::kConflict);
    auto session = store->FindSessionWithUser("tok2");
    REQUIRE(session.ok());
    CHECK_FALSE(session->has_value());
    auto cred = store->FindCredentialUser("alice@example.com");
    REQUIRE(cred.ok());
    CHECK((*cred)->user.id == "u1");
    if (path != ":memory:") CHECK(RowCounts(path) == "1|1|1");
  }

  TEST_CASE("a failure after the user insert rolls the whole sign-up back") {
    TempDir dir;
    std::string path;
    auto store = OpenEachStore(dir, &path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    // New email, but the session token is taken: the third insert fails.
    const UserRow bob = MakeUser("u2", "bob@example.com");
    SessionRow clash = MakeSession(bob, "tok1");
    clash.id = "ses-other";
    Status st = store->CreateUserWithAccount(bob, MakeAccount(bob), clash);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::kConflict);
    auto cred = store->FindCredentialUser("bob@example.com");
    REQUIRE(cred.ok());
    CHECK_FALSE(cred->has_value());
    if (path != ":memory:") CHECK(RowCounts(path) == "1|1|1");
    // The store still works afterwards (no transaction left open).
    SignUp(*store, MakeUser("u3", "carol@example.com"), "tok3");
  }

  TEST_CASE("InsertSession, DeleteSession and UpdateSessionExpiry") {
    TempDir dir;
    std::string path;
    auto store = OpenEachStore(dir, &path);
    const UserRow user = MakeUser("u1", "alice@example.com");
    SignUp(*store, user, "tok1");
    REQUIRE(store->InsertSession(MakeSession(user, "tok2")).ok());

    REQUIRE(store->UpdateSessionExpiry("ses-tok2", kT0 + 2 * kWeek, kT0 + 5000).ok());
    auto updated = store->FindSessionWithUser("tok2");
    REQUIRE(updated.ok());
    REQUIRE(updated->has_value());
    CHECK((*updated)->session.expires_at_ms == kT0 + 2 * kWeek);
    CHECK((*updated)->session.updated_at_ms == kT0 + 5000);
    CHECK((*updated)->session.created_at_ms == kT0);

    REQUIRE(store->DeleteSession("tok1").ok());
    auto gone = store->FindSessionWithUser("tok1");
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
    auto kept = store->FindSessionWithUser("tok2");
    REQUIRE(kept.ok());
    CHECK(kept->has_value());
    CHECK(store->DeleteSession("no-such-token").ok());
    CHECK(store->UpdateSessionExpiry("no-such-id", kT0, kT0).ok());
  }

  TEST_CASE("UpdateSessionExpiry writes ISO text") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    REQUIRE(store->UpdateSessionExpiry("ses-tok1", 0, -1).ok());
    RawDb raw(path);
    CHECK(raw.Query(R"(SELECT "expiresAt", "updatedAt" FROM "session")") ==
          "1970-01-01T00:00:00.000Z|1969-12-31T23:59:59.999Z");
  }

  TEST_CASE("InsertJwkUnlessLiveExists inserts only while no live key exists") {
    TempDir dir;
    std::string path;
    auto store = OpenEachStore(dir, &path);
    SUBCASE("a key without expiry blocks forever") {
      CHECK(Inserted(*store, MakeJwk("k1", kT0), kT0));
      CHECK_FALSE(Inserted(*store, MakeJwk("k2", kT0 + 1), kT0 + 1));
      CHECK_FALSE(Inserted(*store, MakeJwk("k3", kT0 + 1), kT0 + 100 * kWeek));
      CHECK(JwkIds(*store) == "k1");
    }
    SUBCASE("an expiring key blocks until expiresAt") {
      CHECK(Inserted(*store, MakeJwk("k1", kT0, kT0 + 1000), kT0));
      CHECK_FALSE(Inserted(*store, MakeJwk("k2", kT0 + 999), kT0 + 999));
      CHECK(Inserted(*store, MakeJwk("k3", kT0 + 1000), kT0 + 1000));
      CHECK(JwkIds(*store) == "k1,k3");
    }
    SUBCASE("a NULL-alg row counts, another alg does not") {
      JwkRow rsa = MakeJwk("rsa", kT0);
      rsa.alg = "RS256";
      rsa.crv.reset();
      CHECK(Inserted(*store, rsa, kT0, "RS256"));
      CHECK(Inserted(*store, MakeJwk("ed", kT0 + 1), kT0 + 1));
      JwkRow legacy = MakeJwk("legacy", kT0 + 2);
      legacy.alg.reset();
      CHECK(Inserted(*store, legacy, kT0 + 2, "ES256"));  // only RS256 and EdDSA are live
      CHECK_FALSE(Inserted(*store, MakeJwk("es", kT0 + 3), kT0 + 3, "ES256"));  // NULL counts
      CHECK(JwkIds(*store) == "rsa,ed,legacy");
    }
  }

  TEST_CASE("InsertJwkUnlessLiveExists stores Better Auth's column formats") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    JwkRow row = MakeJwk("k1", kT0);
    row.crv.reset();
    REQUIRE(Inserted(*store, row, kT0));
    REQUIRE(Inserted(*store, MakeJwk("k0", kT0 - 1, kT0), kT0, "other"));
    RawDb raw(path);
    CHECK(raw.Query(R"(SELECT "id", "publicKey", "privateKey", typeof("createdAt"), "createdAt",)"
                    R"( "expiresAt", "alg", "crv" FROM "jwks" ORDER BY "id")") ==
          "k0|{\"crv\":\"Ed25519\",\"x\":\"x-k0\",\"kty\":\"OKP\"}|\"sealed-k0\"|text|"
          "2026-11-24T05:44:34.081Z|2026-11-24T05:44:34.082Z|EdDSA|Ed25519\n"
          "k1|{\"crv\":\"Ed25519\",\"x\":\"x-k1\",\"kty\":\"OKP\"}|\"sealed-k1\"|text|"
          "2026-11-24T05:44:34.082Z|NULL|EdDSA|NULL");
  }

  TEST_CASE("ListJwks returns rows by createdAt with all fields") {
    TempDir dir;
    std::string path;
    auto store = OpenEachStore(dir, &path);
    REQUIRE(Inserted(*store, MakeJwk("k1", kT0 + 100, kT0 + 10), kT0));
    REQUIRE(Inserted(*store, MakeJwk("k2", kT0 - 100, kT0 + 20), kT0 + 10));
    REQUIRE(Inserted(*store, MakeJwk("k3", kT0), kT0 + 20));
    CHECK(JwkIds(*store) == "k2,k3,k1");
    auto rows = store->ListJwks();
    REQUIRE(rows.ok());
    const JwkRow& k2 = (*rows)[0];
    CHECK(k2.public_key == R"({"crv":"Ed25519","x":"x-k2","kty":"OKP"})");
    CHECK(k2.private_key == "\"sealed-k2\"");
    CHECK(k2.created_at_ms == kT0 - 100);
    CHECK(k2.expires_at_ms == std::optional<int64_t>(kT0 + 20));
    CHECK(k2.alg == std::optional<std::string>("EdDSA"));
    CHECK(k2.crv == std::optional<std::string>("Ed25519"));
    CHECK_FALSE((*rows)[1].expires_at_ms.has_value());
  }

  TEST_CASE("ListJwks reads rows another writer added, ties broken by id") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    RawDb raw(path);
    raw.Exec(R"(INSERT INTO "jwks" VALUES ('b', '{}', '"x"', '2026-01-02T00:00:00.000Z', NULL,)"
             R"( NULL, NULL), ('a', '{}', '"x"', '2026-01-02T00:00:00.000Z', NULL, 'EdDSA',)"
             R"( 'Ed25519'), ('c', '{}', '"x"', '2025-12-31T23:59:59.999Z', NULL, NULL, NULL))");
    CHECK(JwkIds(*store) == "c,a,b");
    auto rows = store->ListJwks();
    REQUIRE(rows.ok());
    CHECK((*rows)[0].created_at_ms == 1767225599999);
    CHECK_FALSE((*rows)[2].alg.has_value());
  }

  TEST_CASE("Open migrates a Better Auth 1.3 database without touching its rows") {
    TempDir dir;
    const std::string path = dir.File("old.db");
    {
      RawDb raw(path);
      raw.Exec(R"(create table "jwks" ("id" text not null primary key, "publicKey" text not null,)"
               R"( "privateKey" text not null, "createdAt" date not null))");
      raw.Exec(R"(INSERT INTO "jwks" VALUES ('old-kid', '{"crv":"Ed25519","x":"X","kty":"OKP"}',)"
               R"( '"abcdef"', '2025-06-01T10:00:00.000Z'))");
      raw.Exec(UserDdl(R"(, "role" text, "age" integer, "nickname" text)"));
      raw.Exec(R"(INSERT INTO "user" VALUES ('u-old', 'Bob', 'bob@example.com', 1, NULL,)"
               R"( '2025-06-01T10:00:00.000Z', '2025-06-02T10:00:00.000Z', 'admin', 42, NULL))");
    }
    auto store = OpenStore(path);
    RawDb raw(path);
    CHECK(raw.Columns("jwks") == "id,publicKey,privateKey,createdAt,expiresAt,alg,crv");
    CHECK(raw.Columns("user") ==
          "id,name,email,emailVerified,image,createdAt,updatedAt,role,age,nickname");
    CHECK(raw.Columns("session") ==
          "id,expiresAt,token,createdAt,updatedAt,ipAddress,userAgent,userId");
    CHECK(raw.Query(R"(SELECT * FROM "jwks")") ==
          "old-kid|{\"crv\":\"Ed25519\",\"x\":\"X\",\"kty\":\"OKP\"}|\"abcdef\"|"
          "2025-06-01T10:00:00.000Z|NULL|NULL|NULL");
    CHECK(JwkIds(*store) == "old-kid");

    auto cred = store->FindCredentialUser("bob@example.com");
    REQUIRE(cred.ok());
    REQUIRE(cred->has_value());
    const UserRow& bob = (*cred)->user;
    CHECK(bob.email_verified);
    CHECK_FALSE((*cred)->password.has_value());  // no account row
    REQUIRE(bob.extra.size() == 3);
    CHECK(bob.extra[0].name == "role");
    REQUIRE(ExtraText(bob.extra, "role") != nullptr);
    CHECK(*ExtraText(bob.extra, "role") == "admin");
    CHECK(bob.extra[1].name == "age");
    CHECK(std::get_if<int64_t>(&bob.extra[1].value) != nullptr);
    CHECK(std::get<int64_t>(bob.extra[1].value) == 42);
    CHECK(bob.extra[2].name == "nickname");
    CHECK(std::holds_alternative<std::monostate>(bob.extra[2].value));
  }

  TEST_CASE("app columns on user and session come back as extra") {
    TempDir dir;
    const std::string path = dir.File("app.db");
    {
      RawDb raw(path);
      raw.Exec(UserDdl(R"(, "role" text)"));
      raw.Exec(R"(create table "session" ("id" text not null primary key, "expiresAt" date not)"
               R"( null, "token" text not null unique, "createdAt" date not null, "updatedAt")"
               R"( date not null, "ipAddress" text, "userAgent" text, "userId" text not null)"
               R"( references "user" ("id") on delete cascade, "impersonatedBy" text))");
    }
    auto store = OpenStore(path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    RawDb raw(path);
    raw.Exec(R"(UPDATE "user" SET "role" = 'admin')");
    raw.Exec(R"(UPDATE "session" SET "impersonatedBy" = 'u0')");
    auto found = store->FindSessionWithUser("tok1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    REQUIRE(ExtraText((*found)->user.extra, "role") != nullptr);
    CHECK(*ExtraText((*found)->user.extra, "role") == "admin");
    REQUIRE(ExtraText((*found)->session.extra, "impersonatedBy") != nullptr);
    CHECK(*ExtraText((*found)->session.extra, "impersonatedBy") == "u0");
  }

  TEST_CASE("Open refuses a table that lacks a column it cannot add") {
    TempDir dir;
    const std::string path = dir.File("broken.db");
    {
      RawDb raw(path);
      raw.Exec(R"(create table "user" ("id" text not null primary key, "name" text not null))");
    }
    auto store = Store::Open(path);
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().code == Errc::kInvalidArgument);
    CHECK(store.error().message.find("email") != std::string::npos);
    // Nothing was half-migrated.
    RawDb raw(path);
    CHECK(raw.Columns("user") == "id,name");
    CHECK(raw.Query("SELECT count(*) FROM sqlite_master WHERE name = 'session'") == "0");
  }

  TEST_CASE("DataVersion changes when another connection commits") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    auto before = store->DataVersion();
    REQUIRE(before.ok());
    auto same = store->DataVersion();
    REQUIRE(same.ok());
    CHECK(*same == *before);
    {
      RawDb raw(path);
      raw.Exec(R"(INSERT INTO "jwks" VALUES ('x', '{}', '"x"', '2026-01-01T00:00:00.000Z',)"
               R"( NULL, 'RS256', NULL))");
    }
    auto after = store->DataVersion();
    REQUIRE(after.ok());
    CHECK(*after != *before);
    // The store's own writer is another connection too.
    REQUIRE(Inserted(*store, MakeJwk("k1", kT0), kT0, "other"));
    auto after_write = store->DataVersion();
    REQUIRE(after_write.ok());
    CHECK(*after_write != *after);
  }

  TEST_CASE("DataVersion of an in-memory store is constant") {
    auto store = OpenStore(":memory:");
    auto v = store->DataVersion();
    REQUIRE(v.ok());
    REQUIRE(Inserted(*store, MakeJwk("k1", kT0), kT0));
    auto w = store->DataVersion();
    REQUIRE(w.ok());
    CHECK(*v == *w);
  }
}

}  // namespace issuer::storage

namespace issuer::storage {
namespace {

SessionWithUser CachedRow(const std::string& token, const std::string& name) {
  UserRow user = MakeUser("u-" + token, token + "@example.com");
  user.name = name;
  return SessionWithUser{MakeSession(user, token), user};
}

using WalCache = SessionCache<WalStamp::Value>;

WalStamp::Value StampOf(unsigned char first) {
  WalStamp::Value stamp{};
  stamp[0] = first;
  return stamp;
}

std::string NameFound(Repository& store, const std::string& token) {
  auto found = store.FindSessionWithUser(token);
  REQUIRE(found.ok());
  return found->has_value() ? (*found)->user.name : "(none)";
}

}  // namespace

TEST_SUITE("session cache") {
  using std::chrono::milliseconds;
  const auto t0 = std::chrono::steady_clock::time_point() + std::chrono::hours(1);

  TEST_CASE("a row is served again only under the stamp it was stored with") {
    WalCache cache(16, milliseconds(1000));
    CHECK_FALSE(cache.Find("tok", StampOf(1), t0).has_value());  // moves the cache to stamp 1
    cache.Put(CachedRow("tok", "Alice"), StampOf(1), t0);
    auto hit = cache.Find("tok", StampOf(1), t0 + milliseconds(5));
    REQUIRE(hit.has_value());
    CHECK(hit->user.name == "Alice");
    CHECK(hit->session.token == "tok");
    CHECK_FALSE(cache.Find("other", StampOf(1), t0).has_value());

    // Another stamp (a commit somewhere) empties the cache, also for the old stamp.
    CHECK_FALSE(cache.Find("tok", StampOf(2), t0).has_value());
    CHECK_FALSE(cache.Find("tok", StampOf(1), t0).has_value());
  }

  TEST_CASE("a row read under an older stamp is not stored") {
    WalCache cache(16, milliseconds(1000));
    CHECK_FALSE(cache.Find("tok", StampOf(2), t0).has_value());
    cache.Put(CachedRow("tok", "Old"), StampOf(1), t0);
    CHECK_FALSE(cache.Find("tok", StampOf(2), t0).has_value());
  }

  TEST_CASE("rows older than the maximum age are not served") {
    WalCache cache(16, milliseconds(1000));
    CHECK_FALSE(cache.Find("tok", StampOf(1), t0).has_value());
    cache.Put(CachedRow("tok", "Alice"), StampOf(1), t0);
    CHECK(cache.Find("tok", StampOf(1), t0 + milliseconds(1000)).has_value());
    CHECK_FALSE(cache.Find("tok", StampOf(1), t0 + milliseconds(1001)).has_value());
  }

  TEST_CASE("a full cache is emptied before the next row goes in") {
    WalCache cache(2, milliseconds(1000));
    CHECK_FALSE(cache.Find("a", StampOf(1), t0).has_value());
    cache.Put(CachedRow("a", "A"), StampOf(1), t0);
    cache.Put(CachedRow("b", "B"), StampOf(1), t0);
    cache.Put(CachedRow("c", "C"), StampOf(1), t0);
    CHECK_FALSE(cache.Find("a", StampOf(1), t0).has_value());
    CHECK_FALSE(cache.Find("b", StampOf(1), t0).has_value());
    CHECK(cache.Find("c", StampOf(1), t0).has_value());
  }

  TEST_CASE("the WAL stamp changes with every commit, from any connection, and only then") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    RawDb watcher(path);
    watcher.Query("PRAGMA data_version");  // a read: SQLite maps the wal-index
    auto conn = Connection::Open(path, /*in_memory=*/false);
    REQUIRE(conn.ok());
    REQUIRE((*conn)->Exec("SELECT count(*) FROM \"user\"").ok());
    auto stamp = WalStamp::Open((*conn)->handle());
    REQUIRE(stamp != nullptr);
    const auto before = stamp->Read();
    REQUIRE(before.has_value());
    CHECK(stamp->Read() == before);  // nothing committed
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    const auto after_own = stamp->Read();
    REQUIRE(after_own.has_value());
    CHECK(after_own != before);
    watcher.Exec(R"(UPDATE "user" SET "name" = 'Other')");
    const auto after_other = stamp->Read();
    REQUIRE(after_other.has_value());
    CHECK(after_other != after_own);

    auto memory = Connection::Open(":memory:", /*in_memory=*/true);
    REQUIRE(memory.ok());
    CHECK(WalStamp::Open((*memory)->handle()) == nullptr);
  }

  TEST_CASE("an open file store keeps SQLite's shared-memory lock for other processes to see") {
    // SQLite holds a read lock on byte 128 of the -shm file (its "DMS" lock) for as long as a
    // connection uses it; a process that finds no such lock takes itself for the only user and
    // rebuilds the file under the others. POSIX locks belong to the process: closing any
    // descriptor of that file in this process would drop it. Another process must still see it.
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    CHECK(NameFound(*store, "tok1") == "Alice");
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      const int fd = ::open((path + "-shm").c_str(), O_RDWR);
      struct flock lock{};
      lock.l_type = F_WRLCK;
      lock.l_whence = SEEK_SET;
      lock.l_start = 128;
      lock.l_len = 1;
      const bool held = fd >= 0 && fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type == F_RDLCK;
      _exit(held ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  TEST_CASE("a file store answers every change another connection commits") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    RawDb other(path);  // stands for another process (Better Auth) on the same file
    CHECK(NameFound(*store, "tok1") == "Alice");
    CHECK(NameFound(*store, "tok1") == "Alice");  // from the cache
    other.Exec(R"(UPDATE "user" SET "name" = 'Renamed' WHERE "id" = 'u1')");
    CHECK(NameFound(*store, "tok1") == "Renamed");
    other.Exec(R"(UPDATE "session" SET "expiresAt" = '2020-01-01T00:00:00.000Z')");
    auto expired = store->FindSessionWithUser("tok1");
    REQUIRE(expired.ok());
    REQUIRE(expired->has_value());
    CHECK((*expired)->session.expires_at_ms == 1577836800000);
    other.Exec(R"(DELETE FROM "session" WHERE "token" = 'tok1')");
    CHECK(NameFound(*store, "tok1") == "(none)");
  }

  TEST_CASE("a file store answers its own writes at once") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    SignUp(*store, MakeUser("u1", "alice@example.com"), "tok1");
    CHECK(NameFound(*store, "tok1") == "Alice");
    REQUIRE(store->UpdateSessionExpiry("ses-tok1", kT0 + 2 * kWeek, kT0 + 5).ok());
    auto moved = store->FindSessionWithUser("tok1");
    REQUIRE(moved.ok());
    REQUIRE(moved->has_value());
    CHECK((*moved)->session.expires_at_ms == kT0 + 2 * kWeek);
    REQUIRE(store->DeleteSession("tok1").ok());
    CHECK(NameFound(*store, "tok1") == "(none)");
  }

  TEST_CASE("DataVersion still moves when another connection commits") {
    TempDir dir;
    const std::string path = dir.File("auth.db");
    auto store = OpenStore(path);
    auto v1 = store->DataVersion();
    auto v2 = store->DataVersion();
    REQUIRE(v1.ok());
    REQUIRE(v2.ok());
    CHECK(*v1 == *v2);
    RawDb(path).Exec(R"(INSERT INTO "verification" ("id", "identifier", "value", "expiresAt",)"
                     R"( "createdAt", "updatedAt") VALUES ('v1', 'i1', 'x',)"
                     R"( '2030-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',)"
                     R"( '2026-01-01T00:00:00.000Z'))");
    auto v3 = store->DataVersion();
    REQUIRE(v3.ok());
    CHECK(*v3 != *v1);
  }
}

}  // namespace issuer::storage
