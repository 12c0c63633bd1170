#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/random.h"

namespace issuer::server::auth {

// Better Auth's password hash (@better-auth/utils/password, node:crypto scrypt):
//   "<salt>:<key hex>", salt = 16 random bytes as 32 lowercase hex characters, used as the UTF-8
//   bytes of that STRING (not the raw bytes); key = scrypt(NFKC(password), salt, N=16384, r=16,
//   p=1, dkLen=64) as 128 lowercase hex characters.
//
//   std::string stored = HashPassword(password, random);   // sign-up
//   if (!VerifyPassword(password, stored)) { ... }        // sign-in
//
// Each hash/verify costs about 60 ms and 32 MiB. Thread-safe (no shared state).

// Length of `utf8` in UTF-16 code units, i.e. JavaScript's String.prototype.length: code points
// >= U+10000 count 2, all others 1. Better Auth's min/max password lengths use this measure.
// REQUIRES: `utf8` is valid UTF-8 (otherwise the count is of non-continuation bytes).
size_t Utf16Length(std::string_view utf8);

// Returns a new stored hash of `password` with a fresh salt drawn from `random` (16 bytes).
// `password` is NFKC-normalised first (pure ASCII is left as is; invalid UTF-8, which no JSON or
// form body can deliver, is hashed as raw bytes). Returns "" only if scrypt itself fails
// (out of memory).
// REQUIRES: `random` is callable (not an empty std::function).
std::string HashPassword(std::string_view password, const Random& random);

// As HashPassword, with a caller-chosen salt string (normally 32 hex characters). Exposed for
// known-answer tests and for re-hashing with a stored salt.
std::string HashPasswordWithSalt(std::string_view password, std::string_view salt_hex);

// True iff `stored` ("<salt>:<128 hex>") is the hash of `password`. The salt part is used verbatim
// as in Better Auth (any non-empty string without ':'); the key must be exactly 128 hex digits
// (either case, as Node's Buffer.from(hex) reads it). A malformed `stored` gives false. The key
// comparison is constant-time and derived key buffers are wiped.
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace issuer::server::auth
