// The Repository methods of the account routes (issue 10): sessions by user, accounts, user
// updates and deletion, verification rows, and SetPassword's one transaction. Each case runs
// on SQLite in memory and on PostgreSQL (a fresh database in the test cluster).
#include <doctest/doctest.h>

#include <string>

#include "storage/repository.h"
#include "tests/support/postgres.h"

namespace issuer::storage {
namespace {

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z

UserRow User(const std::string& id, const std::string& email) {
  return UserRow{id, "N", email, false, std::nullopt, kT0, kT0, {}};
}

SessionRow Session(const std::string& id, const std::string& user_id, int64_t expires_at_ms) {
  SessionRow s;
  s.id = id;
  s.token = "tok-" + id;
  s.user_id = user_id;
  s.expires_at_ms = expires_at_ms;
  s.created_at_ms = s.updated_at_ms = kT0;
  return s;
}

AccountRow Credential(const std::string& id, const std::string& user_id, const char* hash) {
  return AccountRow{id, user_id, "credential", user_id, std::string(hash), kT0, kT0};
}

// Two users; alice has a credential account, two live sessions and an expired one. The
// enclosing test runs once per store.
std::unique_ptr<Repository> Seeded() {
  std::string location;
  SUBCASE("sqlite in memory") { location = ":memory:"; }
  SUBCASE("postgresql") { location = test::FreshPostgresDatabase(); }
  auto repo = OpenRepository(location);
  INFO(location, ": ", (repo.ok() ? std::string() : repo.error().message));
  REQUIRE(repo.ok());
  REQUIRE((*repo)->CreateUser(User("u1", "alice@example.com"), Credential("a1", "u1", "old")).ok());
  REQUIRE((*repo)->CreateUser(User("u2", "bob@example.com"), std::nullopt).ok());
  REQUIRE((*repo)->InsertSession(Session("s1", "u1", kT0 + 1000)).ok());
  REQUIRE((*repo)->InsertSession(Session("s2", "u1", kT0 + 2000)).ok());
  REQUIRE((*repo)->InsertSession(Session("s3", "u1", kT0 - 1)).ok());
  REQUIRE((*repo)->InsertSession(Session("s4", "u2", kT0 + 1000)).ok());
  return std::move(*repo);
}

size_t Live(Repository& repo, const std::string& user_id) {
  auto sessions = repo.ListUserSessions(user_id, kT0 - 10);
  REQUIRE(sessions.ok());
  return sessions->size();
}

VerificationRow Reset(const std::string& id, const std::string& token, int64_t expires_at_ms,
                      int64_t created_at_ms = kT0) {
  return VerificationRow{id, "reset-password:" + token, "u1", expires_at_ms, created_at_ms,
                         created_at_ms};
}

PasswordChange Change(const std::string& user_id, const char* hash,
                      std::optional<std::string> consume = std::nullopt, bool revoke = false) {
  PasswordChange c;
  c.user_id = user_id;
  c.password_hash = hash;
  c.now_ms = kT0;
  c.consume_identifier = std::move(consume);
  c.revoke_sessions = revoke;
  c.new_account_id = "unused";
  return c;
}

}  // namespace

TEST_SUITE("storage") {
  TEST_CASE("ListUserSessions keeps the user's sessions that expire after now") {
    auto repo = Seeded();
    auto live = repo->ListUserSessions("u1", kT0);
    REQUIRE(live.ok());
    REQUIRE(live->size() == 2);
    CHECK(((*live)[0].id == "s1" || (*live)[1].id == "s1"));
    CHECK(Live(*repo, "u1") == 3);  // s3 expires at kT0 - 1, after kT0 - 10
  }

  TEST_CASE("DeleteOtherSessions keeps the given token and expired sessions, other users untouched") {
    auto repo = Seeded();
    REQUIRE(repo->DeleteOtherSessions("u1", "tok-s1", kT0).ok());
    auto left = repo->ListUserSessions("u1", kT0 - 10);
    REQUIRE(left.ok());
    REQUIRE(left->size() == 2);  // s1 kept, s3 (expired at kT0) kept, s2 gone
    CHECK(Live(*repo, "u2") == 1);
    REQUIRE(repo->DeleteUserSessions("u1").ok());
    CHECK(Live(*repo, "u1") == 0);
    CHECK(Live(*repo, "u2") == 1);
  }

  TEST_CASE("UpdateUser writes name, image, emailVerified and updatedAt, kNotFound for no user") {
    auto repo = Seeded();
    auto user = repo->FindUserById("u1");
    REQUIRE(user.ok());
    REQUIRE(user->has_value());
    UserRow changed = **user;
    changed.name = "Alice B";
    changed.image = "https://cdn.example.com/a.png";
    changed.email_verified = true;
    changed.updated_at_ms = kT0 + 5;
    REQUIRE(repo->UpdateUser(changed).ok());
    auto again = repo->FindUserById("u1");
    REQUIRE(again.ok());
    CHECK((*again)->name == "Alice B");
    CHECK((*again)->image == "https://cdn.example.com/a.png");
    CHECK((*again)->email_verified);
    CHECK((*again)->updated_at_ms == kT0 + 5);
    CHECK((*again)->created_at_ms == kT0);
    changed.id = "nobody";
    CHECK(repo->UpdateUser(changed).error().code == Errc::kNotFound);
    auto missing = repo->FindUserById("nobody");
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->has_value());
  }

  TEST_CASE("DeleteUser removes the user, its sessions and accounts only") {
    auto repo = Seeded();
    REQUIRE(repo->DeleteUser("u1").ok());
    CHECK_FALSE(repo->FindUserById("u1")->has_value());
    CHECK(Live(*repo, "u1") == 0);
    CHECK(repo->ListAccounts("u1")->empty());
    CHECK(repo->FindUserById("u2")->has_value());
    CHECK(Live(*repo, "u2") == 1);
    CHECK(repo->DeleteUser("u1").ok());  // again: not an error
  }

  TEST_CASE("an OAuth account's tokens, expiry and scope are written with the user, or added to one") {
    auto repo = Seeded();
    AccountRow github{"a2", "gh-42", "github", "u2", std::nullopt, kT0, kT0};
    github.access_token = "sealed-access";
    github.id_token = "id.token.jwt";
    github.access_token_expires_at_ms = kT0 + 3600 * 1000;
    github.scope = "read:user,user:email";
    REQUIRE(repo->AddAccount(github).ok());
    AccountRow google{"a3", "g-7", "google", "u3", std::nullopt, kT0, kT0};
    google.refresh_token = "sealed-refresh";
    google.refresh_token_expires_at_ms = kT0 + 1000;
    REQUIRE(repo->CreateUser(User("u3", "carol@example.com"), google).ok());
    auto rows = repo->FindRows("account", {{"providerId", std::string("github")}});
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    const Row& row = rows->front();
    CHECK(std::get<std::string>(*FindColumn(row, "accessToken")) == "sealed-access");
    CHECK(std::get<std::string>(*FindColumn(row, "idToken")) == "id.token.jwt");
    CHECK(std::get<int64_t>(*FindColumn(row, "accessTokenExpiresAt")) == kT0 + 3600 * 1000);
    CHECK(std::holds_alternative<std::monostate>(*FindColumn(row, "refreshToken")));
    auto listed = repo->ListAccounts("u2");
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().scope == std::optional<std::string>("read:user,user:email"));
    auto made = repo->FindRows("account", {{"userId", std::string("u3")}});
    REQUIRE(made.ok());
    REQUIRE(made->size() == 1);
    CHECK(std::get<std::string>(*FindColumn(made->front(), "refreshToken")) == "sealed-refresh");
    CHECK(std::get<int64_t>(*FindColumn(made->front(), "refreshTokenExpiresAt")) == kT0 + 1000);
  }

  TEST_CASE("FindVerification returns the newest row of an identifier") {
    auto repo = Seeded();
    REQUIRE(repo->InsertVerification(Reset("v1", "t", kT0 + 100, kT0)).ok());
    REQUIRE(repo->InsertVerification(Reset("v2", "t", kT0 + 200, kT0 + 1)).ok());
    auto found = repo->FindVerification("reset-password:t");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->id == "v2");
    CHECK((*found)->value == "u1");
    CHECK((*found)->expires_at_ms == kT0 + 200);
    CHECK_FALSE(repo->FindVerification("reset-password:other")->has_value());
  }

  TEST_CASE("RehearseVerification writes and undoes a row in one transaction: nothing changes") {
    auto repo = Seeded();
    REQUIRE(repo->InsertVerification(Reset("v1", "t", kT0 + 100)).ok());
    REQUIRE(repo->RehearseVerification(Reset("v2", "dummy", kT0 + 100, kT0 + 5)).ok());
    CHECK_FALSE(repo->FindVerification("reset-password:dummy")->has_value());
    CHECK((*repo->FindVerification("reset-password:t"))->id == "v1");
    CHECK(*repo->CountRows("verification", {}) == 1);
    // The same id again: the first rehearsal left no row to collide with.
    CHECK(repo->RehearseVerification(Reset("v2", "dummy", kT0 + 100, kT0 + 5)).ok());
  }

  TEST_CASE("SetPassword with a live token: spends it, revokes sessions, updates the credential") {
    auto repo = Seeded();
    REQUIRE(repo->InsertVerification(Reset("v1", "t", kT0 + 100)).ok());
    PasswordChange change = Change("u1", "new", "reset-password:t", true);
    REQUIRE(repo->SetPassword(change).ok());
    CHECK_FALSE(repo->FindVerification("reset-password:t")->has_value());
    CHECK(Live(*repo, "u1") == 0);
    auto accounts = repo->ListAccounts("u1");
    REQUIRE(accounts->size() == 1);
    CHECK((*accounts)[0].row.password == "new");
    CHECK((*accounts)[0].row.id == "a1");
    CHECK((*accounts)[0].row.updated_at_ms == kT0);
    CHECK(repo->SetPassword(change).error().code == Errc::kNotFound);  // spent
  }

  TEST_CASE("SetPassword with an expired or unknown token changes no row") {
    auto repo = Seeded();
    REQUIRE(repo->InsertVerification(Reset("v1", "t", kT0 - 1)).ok());
    PasswordChange change = Change("u1", "new", "reset-password:t", true);
    CHECK(repo->SetPassword(change).error().code == Errc::kNotFound);
    CHECK(repo->FindVerification("reset-password:t")->has_value());
    CHECK(Live(*repo, "u1") == 3);
    CHECK((*repo->ListAccounts("u1"))[0].row.password == "old");
    change.consume_identifier = "reset-password:unknown";
    CHECK(repo->SetPassword(change).error().code == Errc::kNotFound);
  }

  TEST_CASE("SetPassword makes a credential account when there is none, and inserts the new session last") {
    auto repo = Seeded();
    PasswordChange change = Change("u2", "fresh", std::nullopt, true);
    change.new_account_id = "a2";
    change.new_session = Session("s9", "u2", kT0 + 5000);
    REQUIRE(repo->SetPassword(change).ok());
    auto accounts = repo->ListAccounts("u2");
    REQUIRE(accounts->size() == 1);
    CHECK((*accounts)[0].row.id == "a2");
    CHECK((*accounts)[0].row.provider_id == "credential");
    CHECK((*accounts)[0].row.account_id == "u2");
    CHECK((*accounts)[0].row.password == "fresh");
    auto sessions = repo->ListUserSessions("u2", kT0);
    REQUIRE(sessions->size() == 1);
    CHECK((*sessions)[0].id == "s9");
  }
}

}  // namespace issuer::storage
