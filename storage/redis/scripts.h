#pragma once

#include <string>

namespace issuer::storage::redis {

// The Lua scripts that make each secondary-storage step one round trip, and atomic where Better
// Auth's own sequence of get/set calls would race between instances. They write exactly the
// keys and values Better Auth's internal adapter writes.
struct Script {
  const char* source;
  std::string sha1;  // of source, as EVALSHA names it
};

// KEYS[1] = prefix..token; ARGV[1] = prefix. Returns nil, or {value, revoked-before or nil}.
extern const Script kFindSession;
// KEYS[1] = prefix..'active-sessions-'..userId, KEYS[2] = prefix..token;
// ARGV = now_ms, token, expires_ms, value, ttl_s, only_if_exists ("1"/"0").
// Sets the session (SET ... EX ttl [XX]) and, if it was set, puts the token in the list.
extern const Script kPutSession;
// KEYS[1] = prefix..token; ARGV = prefix, now_ms. Drops the token from its user's list, then
// deletes it (Better Auth's deleteSession).
extern const Script kDropSession;
// KEYS[1] = prefix..'revoked-sessions-before-'..userId, KEYS[2] = the user's list;
// ARGV = now_ms, ttl_s, prefix. Marks every session made before now revoked, deletes the listed
// ones and the list (Better Auth's deleteCachedUserSessions).
extern const Script kRevokeUser;
// KEYS[1] = the user's list; ARGV = prefix, now_ms. Returns {revoked-before or nil, value...}
// for each live listed token, in list order, once each.
extern const Script kListSessions;
// KEYS[1] = prefix..key; ARGV[1] = ttl_s. @better-auth/redis-storage's increment.
extern const Script kIncrement;

}  // namespace issuer::storage::redis
