// The PostgreSQL store's session cache (issue 22): found sessions are served from memory while
// nothing has changed, and a change by any writer is honoured once its trigger's NOTIFY is
// heard; the store's own writes at once; without the triggers nothing is cached.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "storage/repository.h"
#include "tests/support/postgres.h"

namespace issuer::storage {
namespace {

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z
constexpr int64_t kWeekMs = 7LL * 24 * 3600 * 1000;
// The bound the README states for a change made by another process.
constexpr auto kHeardWithin = std::chrono::milliseconds(1000);

std::unique_ptr<Repository> Open(const std::string& url, OpenMode mode = OpenMode::kReadWrite) {
  auto repo = OpenRepository(url, mode);
  INFO((repo.ok() ? std::string() : repo.error().message));
  REQUIRE(repo.ok());
  return std::move(*repo);
}

// A week-long session of user "u1".
SessionRow SessionOf(const std::string& token) {
  SessionRow s;
  s.id = "s-" + token;
  s.token = token;
  s.user_id = "u1";
  s.expires_at_ms = kT0 + kWeekMs;
  s.created_at_ms = kT0;
  s.updated_at_ms = kT0;
  return s;
}

// A user "u1" named "Before" with the session `token`.
void AddSession(Repository& store, const std::string& token) {
  UserRow user;
  user.id = "u1";
  user.name = "Before";
  user.email = "cached@example.com";
  user.created_at_ms = kT0;
  user.updated_at_ms = kT0;
  REQUIRE(store.CreateUser(user, std::nullopt).ok());
  REQUIRE(store.InsertSession(SessionOf(token)).ok());
}

// The name of the session's user as the store finds it now, or "(none)".
std::string NameFound(Repository& store, const std::string& token) {
  auto found = store.FindSessionWithUser(token);
  REQUIRE(found.ok());
  return found->has_value() ? (*found)->user.name : "(none)";
}

// Whether the store finds `expected` within kHeardWithin.
bool FindsWithin(Repository& store, const std::string& token, const std::string& expected) {
  const auto deadline = std::chrono::steady_clock::now() + kHeardWithin;
  while (NameFound(store, token) != expected) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A change the triggers do not announce (they are off while it is made).
void Unannounced(const std::string& url, const std::string& name) {
  test::PostgresExec(url, "alter table \"user\" disable trigger ba_issuer_sessions_changed; "
                          "update \"user\" set name = '" + name + "'; "
                          "alter table \"user\" enable trigger ba_issuer_sessions_changed");
}

// Waits until the store serves the session from memory (its listener connects on a thread of
// its own): an unannounced change is then not seen. Returns the name it serves.
std::string WaitCached(Repository& store, const std::string& url, const std::string& token) {
  for (int i = 0; i < 200; ++i) {
    const std::string served = NameFound(store, token);
    Unannounced(url, "Unheard " + std::to_string(i));
    if (NameFound(store, token) == served) return served;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("the store never served the session from memory");
  return "";
}

}  // namespace

TEST_SUITE("postgres") {
  TEST_CASE("sessions are cached until any writer's change is heard, own writes at once") {
    const std::string url = test::FreshPostgresDatabase();
    auto store = Open(url);
    AddSession(*store, "tok-1");
    CHECK(test::PostgresQuery(url, "select count(*) from pg_trigger where tgname = "
                                   "'ba_issuer_sessions_changed'") == "2");
    // An unannounced change is not seen: the row is served from memory.
    const std::string served = WaitCached(*store, url, "tok-1");
    CHECK(NameFound(*store, "tok-1") == served);

    // Another writer's UPDATE and DELETE, as Better Auth makes them, are heard.
    test::PostgresExec(url, "update \"user\" set name = 'After'");
    CHECK(FindsWithin(*store, "tok-1", "After"));
    test::PostgresExec(url, "delete from \"session\" where token = 'tok-1'");
    CHECK(FindsWithin(*store, "tok-1", "(none)"));

    // The store's own sign-out: the very next lookup misses.
    REQUIRE(store->InsertSession(SessionOf("tok-2")).ok());
    CHECK(NameFound(*store, "tok-2") == "After");
    REQUIRE(store->DeleteSession("tok-2").ok());
    CHECK(NameFound(*store, "tok-2") == "(none)");
  }

  TEST_CASE("without the change triggers, every lookup reads the database") {
    const std::string url = test::FreshPostgresDatabase();
    {
      auto writer = Open(url);
      AddSession(*writer, "tok-1");
    }
    test::PostgresExec(url, "drop trigger ba_issuer_sessions_changed on \"user\"; "
                            "drop trigger ba_issuer_sessions_changed on \"session\"");
    auto reader = Open(url, OpenMode::kReadOnly);  // looks for the triggers, makes none
    CHECK(NameFound(*reader, "tok-1") == "Before");
    test::PostgresExec(url, "update \"user\" set name = 'Changed'");
    CHECK(NameFound(*reader, "tok-1") == "Changed");
    CHECK(test::PostgresQuery(url, "select count(*) from pg_trigger where tgname = "
                                   "'ba_issuer_sessions_changed'") == "0");
  }
}

}  // namespace issuer::storage
