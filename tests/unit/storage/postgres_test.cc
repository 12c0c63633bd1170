// What only the PostgreSQL store does: Better Auth's PostgreSQL DDL, databases made by Drizzle
// (snake_case, naive timestamps), a schema option, one key between racing instances, the
// change signal, and connection strings kept out of messages. The shared behaviour runs against
// both stores in repository_test.cc and users_test.cc.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "storage/postgres/location.h"
#include "storage/repository.h"
#include "tests/support/postgres.h"

namespace issuer::storage {
namespace {

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z

std::unique_ptr<Repository> Open(const std::string& url) {
  auto repo = OpenRepository(url);
  INFO(url, ": ", (repo.ok() ? std::string() : repo.error().message));
  REQUIRE(repo.ok());
  return std::move(*repo);
}

// Drizzle's default schema for Better Auth: snake_case columns, timestamp without time zone.
constexpr const char* kDrizzleDdl = R"(
  create table "user" (id text primary key, name text not null, email text not null unique,
    email_verified boolean not null, image text, created_at timestamp not null,
    updated_at timestamp not null);
  create table "session" (id text primary key, expires_at timestamp not null,
    token text not null unique, created_at timestamp not null, updated_at timestamp not null,
    ip_address text, user_agent text,
    user_id text not null references "user"(id) on delete cascade);
  create table "account" (id text primary key, account_id text not null,
    provider_id text not null, user_id text not null references "user"(id) on delete cascade,
    access_token text, refresh_token text, id_token text, access_token_expires_at timestamp,
    refresh_token_expires_at timestamp, scope text, password text,
    created_at timestamp not null, updated_at timestamp not null);
  create table "verification" (id text primary key, identifier text not null,
    value text not null, expires_at timestamp not null, created_at timestamp,
    updated_at timestamp);
  create table "jwks" (id text primary key, public_key text not null,
    private_key text not null, created_at timestamp not null, expires_at timestamp);
)";

JwkRow Key(const std::string& id, int64_t created) {
  return JwkRow{id, R"({"kty":"OKP"})", "\"00\"", created, std::nullopt, "EdDSA", "Ed25519"};
}

}  // namespace

TEST_SUITE("postgres") {
  TEST_CASE("Open creates Better Auth's PostgreSQL schema: types, defaults, indexes, keys") {
    const std::string url = test::FreshPostgresDatabase();
    auto repo = Open(url);
    CHECK(repo->Description().find("columns=camelCase dates=timestamptz") != std::string::npos);
    CHECK(test::PostgresQuery(url, R"(select string_agg(column_name || ':' || data_type || ':' ||
        is_nullable || ':' || coalesce(column_default, ''), ',' order by ordinal_position)
        from information_schema.columns where table_name = 'session')") ==
          "id:text:NO:,expiresAt:timestamp with time zone:NO:,token:text:NO:,"
          "createdAt:timestamp with time zone:NO:CURRENT_TIMESTAMP,"
          "updatedAt:timestamp with time zone:NO:,ipAddress:text:YES:,userAgent:text:YES:,"
          "userId:text:NO:");
    CHECK(test::PostgresQuery(url, R"(select string_agg(column_name || ':' || data_type, ','
        order by ordinal_position) from information_schema.columns where table_name = 'user')") ==
          "id:text,name:text,email:text,emailVerified:boolean,image:text,"
          "createdAt:timestamp with time zone,updatedAt:timestamp with time zone");
    CHECK(test::PostgresQuery(url, R"(select string_agg(indexname, ',' order by indexname)
        from pg_indexes where schemaname = 'public')") ==
          "account_pkey,account_userId_idx,ba_issuer_key_pkey,jwks_pkey,session_pkey,"
          "session_token_key,session_userId_idx,user_email_key,user_pkey,verification_identifier_idx,"
          "verification_pkey");
    CHECK(test::PostgresQuery(url, R"(select string_agg(conname || ':' || confdeltype::text, ','
        order by conname) from pg_constraint where contype = 'f')") ==
          "account_userId_fkey:c,session_userId_fkey:c");
    // Opening again changes nothing and keeps the rows.
    REQUIRE(repo->InsertJwkUnlessLiveExists(Key("k1", kT0), "EdDSA", kT0).ok());
    repo.reset();
    CHECK(Open(url)->ListJwks()->size() == 1);
  }

  TEST_CASE("a Drizzle database (snake_case, naive UTC timestamps) is read and written right") {
    const std::string url = test::FreshPostgresDatabase();
    test::PostgresExec(url, kDrizzleDdl);
    // Rows as Drizzle writes them: UTC wall time in a naive timestamp. The session TimeZone
    // must not matter.
    test::PostgresExec(url, R"(
      alter database )" + url.substr(url.rfind('/') + 1) + R"( set timezone = 'America/New_York';
      insert into "user" values ('u1', 'Ann', 'ann@example.com', true, null,
        '2026-11-24 05:44:34.082', '2026-11-24 05:44:34.083');
      insert into "account" (id, account_id, provider_id, user_id, password, created_at,
        updated_at) values ('a1', 'u1', 'credential', 'u1', 'salt:hash',
        '2026-11-24 05:44:34.082', '2026-11-24 05:44:34.082');
      insert into "session" values ('s1', '2026-12-01 05:44:34.082', 'tok1',
        '2026-11-24 05:44:34.082', '2026-11-24 05:44:34.082', '', 'ua', 'u1');)");
    auto repo = Open(url);
    CHECK(repo->Description().find("columns=snake_case dates=naive timestamp") !=
          std::string::npos);
    auto found = repo->FindSessionWithUser("tok1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->session.expires_at_ms == kT0 + 7LL * 24 * 3600 * 1000);
    CHECK((*found)->session.user_id == "u1");
    CHECK((*found)->user.email_verified);
    CHECK((*found)->user.updated_at_ms == kT0 + 1);
    CHECK((*found)->user.extra.empty());
    auto cred = repo->FindCredentialUser("ann@example.com");
    REQUIRE(cred.ok());
    REQUIRE(cred->has_value());
    CHECK((*cred)->password == std::optional<std::string>("salt:hash"));
    // Written back as UTC wall time, whatever the TimeZone.
    REQUIRE(repo->UpdateSessionExpiry("s1", kT0, kT0).ok());
    CHECK(test::PostgresQuery(url, R"(select expires_at::text from "session")") ==
          "2026-11-24 05:44:34.082");
    // The missing jwks columns and ba-issuer's table were added in the same naming.
    REQUIRE(repo->InsertJwkUnlessLiveExists(Key("k1", kT0), "EdDSA", kT0).ok());
    CHECK(test::PostgresQuery(url, R"(select id, alg, created_at::text from "jwks")") ==
          "k1|EdDSA|2026-11-24 05:44:34.082");
  }

  TEST_CASE("schema= puts the tables in that schema") {
    const std::string url = test::FreshPostgresDatabase();
    test::PostgresExec(url, "create schema auth");
    auto repo = Open(url + "?schema=auth");
    CHECK(repo->Description().find("schema=auth") != std::string::npos);
    CHECK(test::PostgresQuery(url, R"(select count(*) from information_schema.tables
        where table_schema = 'auth' and table_name in ('user', 'session', 'jwks'))") == "3");
    CHECK(test::PostgresQuery(url, R"(select count(*) from information_schema.tables
        where table_schema = 'public')") == "0");
  }

  TEST_CASE("instances racing to make the first key make one, and the others hear of it") {
    const std::string url = test::FreshPostgresDatabase();
    std::vector<std::unique_ptr<Repository>> instances;
    for (int i = 0; i < 3; ++i) instances.push_back(Open(url));
    auto before = instances[2]->DataVersion();
    REQUIRE(before.ok());
    std::atomic<int> inserted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t) {
      threads.emplace_back([&, t] {
        auto r = instances[t % 2]->InsertJwkUnlessLiveExists(Key("k" + std::to_string(t), kT0),
                                                             "EdDSA", kT0);
        if (r.ok() && *r) inserted.fetch_add(1);
      });
    }
    for (auto& th : threads) th.join();
    CHECK(inserted.load() == 1);
    CHECK(instances[2]->ListJwks()->size() == 1);
    // The third instance's change signal moves (NOTIFY) well within a second.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (*instances[2]->DataVersion() == *before && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(*instances[2]->DataVersion() != *before);
  }

  TEST_CASE("waits are bounded: a held rotation lock and an exhausted pool are kUnavailable") {
    const std::string url = test::FreshPostgresDatabase();
    auto repo = Open(url + "?pool=1");
    test::PostgresSession other(url);
    other.Exec("begin; select pg_advisory_xact_lock(7088997219389633893)");
    // The one pooled connection waits for the lock (lock_timeout), so a lookup finds no free
    // connection (the pool's wait); both give up with kUnavailable (503), neither hangs.
    Result<bool> change = Error{Errc::kInternal, "not run"};
    std::thread rotation([&] {
      change = repo->InsertJwkUnlessLiveExists(Key("k1", kT0), "EdDSA", kT0);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto lookup = repo->FindSessionWithUser("tok");
    rotation.join();
    REQUIRE_FALSE(lookup.ok());
    CHECK(lookup.error().code == Errc::kUnavailable);
    REQUIRE_FALSE(change.ok());
    CHECK(change.error().code == Errc::kUnavailable);
    other.Exec("rollback");
    // Free again: the same store works.
    CHECK(*repo->InsertJwkUnlessLiveExists(Key("k1", kT0), "EdDSA", kT0));
  }

  TEST_CASE("an unreachable server is kUnavailable, and no message carries the password") {
    auto repo = OpenRepository("postgres://app:s3cret-pw@127.0.0.1:1/db");
    REQUIRE_FALSE(repo.ok());
    CHECK(repo.error().code == Errc::kUnavailable);
    CHECK(repo.error().message.find("s3cret-pw") == std::string::npos);
    CHECK(RedactLocation("postgres://app:s3cret-pw@db.example:5432/auth?sslmode=require") ==
          "postgres://app:***@db.example:5432/auth?sslmode=require");
    CHECK(RedactLocation("postgresql://h/db?password=s3cret-pw&x=1") ==
          "postgresql://h/db?password=***&x=1");
    CHECK(RedactLocation("./auth.db") == "./auth.db");
  }

  TEST_CASE("ba-issuer's options are taken out of the URL libpq sees") {
    auto loc = pg::ParseLocation("postgres://u@h/db?schema=auth&sslmode=disable&pool=3&poll=9");
    REQUIRE(loc.ok());
    CHECK(loc->conninfo == "postgres://u@h/db?sslmode=disable&connect_timeout=3");
    CHECK(loc->schema == "auth");
    CHECK(loc->pool_size == 3);
    CHECK(loc->poll == std::chrono::seconds(9));
    CHECK_FALSE(pg::ParseLocation("postgres://h/db?pool=0").ok());
  }
}

}  // namespace issuer::storage
