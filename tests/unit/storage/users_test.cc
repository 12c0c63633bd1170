// Repository::CreateUser (extra columns added on demand) and DeleteUsers.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "storage/repository.h"
#include "tests/support/postgres.h"

namespace issuer::storage {
namespace {

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z

UserRow User(const std::string& id, const std::string& email, std::vector<ExtraColumn> extra = {}) {
  return UserRow{id, "N", email, false, std::nullopt, kT0, kT0, std::move(extra)};
}

SessionRow Session(const std::string& id, const std::string& token, const std::string& user_id) {
  SessionRow s;
  s.id = id;
  s.token = token;
  s.user_id = user_id;
  s.expires_at_ms = kT0 + 1000;
  s.created_at_ms = s.updated_at_ms = kT0;
  return s;
}

const ColumnValue* Extra(const UserRow& user, const std::string& name) {
  for (const ExtraColumn& c : user.extra) {
    if (c.name == name) return &c.value;
  }
  return nullptr;
}

std::string TempPath(const std::string& name) {
  const std::string path = "/tmp/ba-issuer-users-test-" + std::to_string(getpid()) + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

}  // namespace

TEST_SUITE("storage") {
  TEST_CASE("CreateUser writes extra columns, adding them, and lookups see them at once") {
    for (const std::string& location :
         {std::string(":memory:"), TempPath("extra.db"), test::FreshPostgresDatabase()}) {
      CAPTURE(location);
      auto repo = OpenRepository(location);
      REQUIRE(repo.ok());
      const UserRow alice = User("u1", "alice@example.com",
                                 {{"role", std::string("admin")}, {"age", int64_t{42}},
                                  {"score", 1.5}, {"nick", std::monostate()}});
      REQUIRE((*repo)->CreateUser(alice, AccountRow{"a1", "u1", "credential", "u1",
                                                    std::string("salt:key"), kT0, kT0})
                  .ok());
      REQUIRE((*repo)->InsertSession(Session("s1", "tok1", "u1")).ok());
      auto found = (*repo)->FindSessionWithUser("tok1");
      REQUIRE(found.ok());
      REQUIRE(found->has_value());
      const UserRow& user = (*found)->user;
      REQUIRE(Extra(user, "role"));
      CHECK(std::get<std::string>(*Extra(user, "role")) == "admin");
      CHECK(std::get<int64_t>(*Extra(user, "age")) == 42);
      CHECK(std::get<double>(*Extra(user, "score")) == 1.5);
      CHECK(std::holds_alternative<std::monostate>(*Extra(user, "nick")));
      auto credential = (*repo)->FindCredentialUser("alice@example.com");
      REQUIRE(credential.ok());
      REQUIRE(credential->has_value());
      CHECK((*credential)->password == "salt:key");
      CHECK(std::get<std::string>(*Extra((*credential)->user, "role")) == "admin");
      // A user without the extras reads them as NULL; without an account, no password.
      REQUIRE((*repo)->CreateUser(User("u2", "bob@example.com"), std::nullopt).ok());
      auto bob = (*repo)->FindCredentialUser("bob@example.com");
      REQUIRE(bob.ok());
      REQUIRE(bob->has_value());
      CHECK_FALSE((*bob)->password.has_value());
      REQUIRE(Extra((*bob)->user, "role"));
      CHECK(std::holds_alternative<std::monostate>(*Extra((*bob)->user, "role")));
    }
  }

  TEST_CASE("CreateUser refuses a taken email or id and a bad column name, writing nothing") {
    for (const std::string& location : {std::string(":memory:"), test::FreshPostgresDatabase()}) {
    CAPTURE(location);
    auto repo = OpenRepository(location);
    REQUIRE(repo.ok());
    REQUIRE((*repo)->CreateUser(User("u1", "a@example.com"), std::nullopt).ok());
    Status email = (*repo)->CreateUser(User("u2", "a@example.com"), std::nullopt);
    CHECK(email.error().code == Errc::kConflict);
    Status id = (*repo)->CreateUser(User("u1", "other@example.com", {{"flag", int64_t{1}}}),
                                    std::nullopt);
    CHECK(id.error().code == Errc::kConflict);
    Status name = (*repo)->CreateUser(
        User("u3", "c@example.com", {{"bad\" name", std::string("x")}}), std::nullopt);
    CHECK(name.error().code == Errc::kInvalidArgument);
    auto other = (*repo)->FindCredentialUser("other@example.com");
    REQUIRE(other.ok());
    CHECK_FALSE(other->has_value());
    auto a = (*repo)->FindCredentialUser("a@example.com");
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK(Extra((*a)->user, "flag") == nullptr);  // the column went with the rolled-back write
    }
  }

  TEST_CASE("DeleteUsers removes users, accounts and sessions, keys stay") {
    for (const std::string& location : {std::string(":memory:"), test::FreshPostgresDatabase()}) {
    CAPTURE(location);
    auto repo = OpenRepository(location);
    REQUIRE(repo.ok());
    REQUIRE((*repo)->CreateUser(User("u1", "a@example.com"),
                                AccountRow{"a1", "u1", "credential", "u1", std::nullopt, kT0, kT0})
                .ok());
    REQUIRE((*repo)->InsertSession(Session("s1", "tok1", "u1")).ok());
    JwkRow key{"k1", R"({"kty":"OKP"})", "\"00\"", kT0, std::nullopt, "EdDSA", "Ed25519"};
    REQUIRE((*repo)->InsertJwkUnlessLiveExists(key, "EdDSA", kT0).ok());
    REQUIRE((*repo)->DeleteUsers().ok());
    CHECK_FALSE((*repo)->FindSessionWithUser("tok1")->has_value());
    CHECK_FALSE((*repo)->FindCredentialUser("a@example.com")->has_value());
    CHECK((*repo)->ListJwks()->size() == 1);
    REQUIRE((*repo)->CreateUser(User("u1", "a@example.com"), std::nullopt).ok());  // id is free
    }
  }
}

}  // namespace issuer::storage
