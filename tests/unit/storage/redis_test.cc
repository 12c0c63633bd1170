// The Redis client's parts that need no server: URLs as ioredis reads them, kept out of
// messages. What needs a server (sessions, faults) runs in tests/redis/ against redis-server.
#include <doctest/doctest.h>

#include "storage/redis/location.h"

namespace issuer::storage::redis {
namespace {

TEST_CASE("redis URLs: host, port, database, user and password as ioredis reads them") {
  auto plain = ParseLocation("redis://127.0.0.1:6380/2");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->tls);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 6380);
  CHECK(plain->db == 2);
  CHECK(plain->password.empty());

  auto defaults = ParseLocation("redis://cache.internal");
  REQUIRE(defaults.ok());
  CHECK(defaults->port == 6379);
  CHECK(defaults->db == 0);
  CHECK(defaults->pool_size == 8);
  CHECK(defaults->command_timeout.count() == 500);

  auto acl = ParseLocation("rediss://app:p%40ss%3Aw0rd@[::1]:6390?pool=3&timeout=250&ca=/etc/ca.pem");
  REQUIRE(acl.ok());
  CHECK(acl->tls);
  CHECK(acl->host == "::1");
  CHECK(acl->port == 6390);
  CHECK(acl->user == "app");
  CHECK(acl->password == "p@ss:w0rd");
  CHECK(acl->pool_size == 3);
  CHECK(acl->command_timeout.count() == 250);
  CHECK(acl->ca_file == "/etc/ca.pem");

  auto lone = ParseLocation("redis://s3cret@h:1");  // a lone user information is the password
  REQUIRE(lone.ok());
  CHECK(lone->user.empty());
  CHECK(lone->password == "s3cret");
  auto no_user = ParseLocation("redis://:s3cret@h:1");
  REQUIRE(no_user.ok());
  CHECK(no_user->user.empty());
  CHECK(no_user->password == "s3cret");
}

TEST_CASE("redis URLs: bad ones are refused with a reason that never shows the password") {
  for (const char* bad : {"http://h:1", "redis://h:0", "redis://h:99999", "redis://h:1/x",
                          "redis://h:1?pool=0", "redis://h:1?timeout=-1", "redis://h:1?nope=1",
                          "redis://[::1:1", "redis://pw%zz@h:1"}) {
    auto parsed = ParseLocation(bad);
    INFO(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == Errc::kInvalidArgument);
  }
  auto leaked = ParseLocation("redis://u:s3cret-pw@h:1?pool=x");
  REQUIRE_FALSE(leaked.ok());
  CHECK(leaked.error().message.find("s3cret") == std::string::npos);
}

TEST_CASE("redis URLs are redacted for logs") {
  CHECK(Redact("redis://app:s3cret@h:6379/1") == "redis://app:***@h:6379/1");
  CHECK(Redact("rediss://s3cret@h:6379") == "rediss://***@h:6379");
  CHECK(Redact("redis://h:6379") == "redis://h:6379");
  CHECK(Redact("./auth.db") == "./auth.db");
}

}  // namespace
}  // namespace issuer::storage::redis
