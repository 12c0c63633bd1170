#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "storage/repository.h"

namespace issuer::storage {

// Better Auth's secondaryStorage options, as ba-issuer's config names them.
struct SecondaryStorageOptions {
  std::string url;                         // redis:// or rediss:// (storage/redis/location.h)
  std::string key_prefix = "better-auth:";  // @better-auth/redis-storage's default keyPrefix
  bool store_session_in_database = false;     // session.storeSessionInDatabase
  bool preserve_session_in_database = false;  // session.preserveSessionInDatabase
  bool verification_in_database = false;      // verification.storeInDatabase
  bool rate_limit = false;  // rateLimit.storage "secondary-storage": ConsumeRateLimit in Redis
  int64_t session_expires_in_s = 604800;  // session.expiresIn (the revocation marker's TTL)
  std::function<int64_t()> now_ms;        // the service's clock
};

// `inner` (the SQL store: users, accounts, keys) with sessions, verification values and, if
// asked, rate limits kept in Redis exactly as Better Auth 1.7.25 keeps them there
// (internal-adapter.mjs; the keys under options.key_prefix):
//   <token>                          {"session":{...},"user":{...}}, EX until expiresAt
//   active-sessions-<userId>         [{"token","expiresAt"}...] sorted, EX until the last
//   revoked-sessions-before-<userId> ms; sessions created before it are revoked
//   verification:<identifier>        the verification value, EX until expiresAt
//   <ip>|<path>                      a rate-limit counter (INCR, EX window on creation)
// Each request's reads are one round trip (Lua scripts). Redis unreachable or slow past the
// command timeout: kUnavailable (the server's 503). kUnavailable also if Redis cannot be
// reached now, so a wrong URL stops the start.
// kInvalidArgument (naming what is wrong, never the password) unless `url` is a redis:// or
// rediss:// URL WithSecondaryStorage can use.
Status CheckSecondaryStorageUrl(const std::string& url);

Result<std::unique_ptr<Repository>> WithSecondaryStorage(std::unique_ptr<Repository> inner,
                                                         SecondaryStorageOptions options);

}  // namespace issuer::storage
