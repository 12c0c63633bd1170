#include "storage/redis/scripts.h"

#include <openssl/sha.h>

#include <cstdio>
#include <cstring>

namespace issuer::storage::redis {
namespace {

std::string Sha1Hex(const char* text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text), std::strlen(text), digest);
  std::string hex;
  char byte[3];
  for (unsigned char d : digest) {
    std::snprintf(byte, sizeof(byte), "%02x", d);
    hex += byte;
  }
  return hex;
}

Script Make(const char* source) { return Script{source, Sha1Hex(source)}; }

// The list helpers every script that rewrites active-sessions-<userId> shares: Better Auth's
// setActiveSessionReferences (sorted by expiresAt, TTL from the last, deleted when empty).
#define ISSUER_LIST_LUA                                                                  \
  "local function read_list(key)\n"                                                     \
  "  local raw = redis.call('GET', key)\n"                                              \
  "  if not raw then return {} end\n"                                                   \
  "  local ok, l = pcall(cjson.decode, raw)\n"                                          \
  "  if ok and type(l) == 'table' then return l end\n"                                  \
  "  return {}\n"                                                                       \
  "end\n"                                                                               \
  "local function keep(list, now, drop)\n"                                              \
  "  local out = {}\n"                                                                  \
  "  for _, e in ipairs(list) do\n"                                                     \
  "    if type(e) == 'table' and type(e.expiresAt) == 'number' and e.expiresAt > now\n" \
  "       and e.token ~= drop then table.insert(out, e) end\n"                          \
  "  end\n"                                                                             \
  "  return out\n"                                                                      \
  "end\n"                                                                               \
  "local function write_list(key, list, now)\n"                                         \
  "  table.sort(list, function(a, b) return a.expiresAt < b.expiresAt end)\n"           \
  "  local ttl = 0\n"                                                                   \
  "  if #list > 0 then ttl = math.floor((list[#list].expiresAt - now) / 1000) end\n"   \
  "  if ttl <= 0 then redis.call('DEL', key) return end\n"                              \
  "  local parts = {}\n"                                                                \
  "  for i, e in ipairs(list) do\n"                                                     \
  "    parts[i] = '{\"token\":' .. cjson.encode(e.token) .. ',\"expiresAt\":' ..\n"      \
  "               string.format('%d', e.expiresAt) .. '}'\n"                            \
  "  end\n"                                                                             \
  "  redis.call('SET', key, '[' .. table.concat(parts, ',') .. ']', 'EX', ttl)\n"        \
  "end\n"

}  // namespace

const Script kFindSession = Make(
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v then return false end\n"
    "local ok, s = pcall(cjson.decode, v)\n"
    "local rb = false\n"
    "if ok and type(s) == 'table' and type(s.session) == 'table'\n"
    "   and type(s.session.userId) == 'string' then\n"
    "  rb = redis.call('GET', ARGV[1] .. 'revoked-sessions-before-' .. s.session.userId)\n"
    "end\n"
    "return {v, rb}\n");

const Script kPutSession = Make(ISSUER_LIST_LUA
    "local now = tonumber(ARGV[1])\n"
    "local set\n"
    "if ARGV[6] == '1' then\n"
    "  set = redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5], 'XX')\n"
    "else\n"
    "  set = redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])\n"
    "end\n"
    "if not set then return 0 end\n"
    "local list = keep(read_list(KEYS[1]), now, ARGV[2])\n"
    "table.insert(list, {token = ARGV[2], expiresAt = tonumber(ARGV[3])})\n"
    "write_list(KEYS[1], list, now)\n"
    "return 1\n");

const Script kDropSession = Make(ISSUER_LIST_LUA
    "local v = redis.call('GET', KEYS[1])\n"
    "if v then\n"
    "  local ok, s = pcall(cjson.decode, v)\n"
    "  if ok and type(s) == 'table' and type(s.session) == 'table'\n"
    "     and type(s.session.userId) == 'string' then\n"
    "    local key = ARGV[1] .. 'active-sessions-' .. s.session.userId\n"
    "    if redis.call('EXISTS', key) == 1 then\n"
    "      local now = tonumber(ARGV[2])\n"
    "      local token = string.sub(KEYS[1], string.len(ARGV[1]) + 1)\n"
    "      write_list(key, keep(read_list(key), now, token), now)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return redis.call('DEL', KEYS[1])\n");

const Script kRevokeUser = Make(ISSUER_LIST_LUA
    "local now = tonumber(ARGV[1])\n"
    "local prev = tonumber(redis.call('GET', KEYS[1]) or '0') or 0\n"
    "redis.call('SET', KEYS[1], string.format('%d', math.max(now, prev)), 'EX', ARGV[2])\n"
    "for _, e in ipairs(read_list(KEYS[2])) do\n"
    "  if type(e) == 'table' and type(e.token) == 'string' then\n"
    "    redis.call('DEL', ARGV[3] .. e.token)\n"
    "  end\n"
    "end\n"
    "redis.call('DEL', KEYS[2])\n"
    "return 1\n");

const Script kListSessions = Make(ISSUER_LIST_LUA
    "local now = tonumber(ARGV[2])\n"
    "local out = {false}\n"
    "local seen = {}\n"
    "local uid = false\n"
    "for _, e in ipairs(read_list(KEYS[1])) do\n"
    "  if type(e) == 'table' and type(e.token) == 'string' and type(e.expiresAt) == 'number'\n"
    "     and e.expiresAt > now and not seen[e.token] then\n"
    "    seen[e.token] = true\n"
    "    local v = redis.call('GET', ARGV[1] .. e.token)\n"
    "    if v then table.insert(out, v) end\n"
    "  end\n"
    "end\n"
    "out[1] = redis.call('GET', ARGV[1] .. 'revoked-sessions-before-' .. ARGV[3])\n"
    "return out\n");

const Script kIncrement = Make(
    "local value = redis.call(\"INCR\", KEYS[1])\n"
    "if value == 1 then\n"
    "  redis.call(\"EXPIRE\", KEYS[1], ARGV[1])\n"
    "end\n"
    "return value\n");

#undef ISSUER_LIST_LUA

}  // namespace issuer::storage::redis
