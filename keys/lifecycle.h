#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keys/key_ring.h"

namespace issuer::keys {

// The key lifecycle as a pure function of the jwks rows, the policy and the time. Better Auth's
// rules (compat spec §1.4, measured on 1.7.25): a row is live while expiresAt is NULL or in the
// future; the newest live row of an alg by createdAt signs (NULL alg = the configured alg);
// a row is published while expiresAt is NULL or expiresAt + gracePeriod is in the future.
//
// Rotation ahead of time: a standby key is written before the active key expires, with a
// createdAt just below the active key's (so Better Auth, too, keeps signing with the active key
// until its expiresAt), and an expiresAt one interval after the active key's. It is published at
// once and signs only when the active key expires, at least the policy's lead time later.

// True while `row` may sign: expiresAt is NULL or after now.
bool IsLive(const StoredKey& row, int64_t now_ms);
// True while `row` is in the JWKS (no overflow for expiresAt near the integer limit).
bool IsPublished(const StoredKey& row, const KeyPolicy& policy, int64_t now_ms);
// The algorithm a row signs with: its alg, or the configured one when NULL.
const std::string& AlgOf(const StoredKey& row, const KeyPolicy& policy);

enum class KeyState {
  kActive,    // the newest live key of its alg: signs now
  kStandby,   // live, not signing yet: takes over when the active key expires
  kRetiring,  // expired, still published for the grace period
  kExpired,   // expired and past the grace period: in the table, no longer published
  kRevoked,   // deleted from the table (ba-issuer's own record)
};
const char* KeyStateName(KeyState state);

// The state of each row at `now_ms`, in the order given.
std::vector<KeyState> ClassifyKeys(const std::vector<StoredKey>& rows, const KeyPolicy& policy,
                                   int64_t now_ms);

// Index of the row that signs for `alg` at `now_ms` (newest live by createdAt; ties: first in
// table order, as Better Auth's stable sort), or nullopt.
std::optional<size_t> SigningRowIndex(const std::vector<StoredKey>& rows, const std::string& alg,
                                      const KeyPolicy& policy, int64_t now_ms);

// What the rotation timer should write now, if anything.
struct RotationStep {
  enum Kind { kFirstKey, kStandby } kind;
  int64_t created_at_ms;                  // of the new key
  std::optional<int64_t> expires_at_ms;   // of the new key
  // The active key gets this expiresAt first: it had none (and rotation is on), or it expires
  // sooner than the lead time (the standby could not be published for long enough).
  std::optional<std::pair<std::string, int64_t>> active_expiry;
};

// kFirstKey when no key of the policy's alg is live; kStandby when rotation is on, the active
// key expires within lead time + `margin_ms` (the timer's period and then some) and no other key
// would sign after it; nullopt otherwise.
std::optional<RotationStep> PlanRotation(const std::vector<StoredKey>& rows,
                                         const KeyPolicy& policy, int64_t now_ms,
                                         int64_t margin_ms);

}  // namespace issuer::keys
