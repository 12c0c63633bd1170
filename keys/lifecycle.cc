#include "keys/lifecycle.h"

#include <algorithm>
#include <limits>

namespace issuer::keys {
namespace {

// a - b, saturating at the int64 limits.
int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_sub_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return out;
}

// a + b, saturating at the int64 limits.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

// The lifetime of the next key: the policy's interval, else the active key's own lifetime
// (a key written with an expiry by another writer), at least one second.
int64_t NextLifetime(const StoredKey& active, const KeyPolicy& policy) {
  if (policy.rotation_interval_ms) return std::max<int64_t>(*policy.rotation_interval_ms, 1000);
  return std::max<int64_t>(SaturatingSub(*active.expires_at_ms, active.created_at_ms), 1000);
}

}  // namespace

bool IsLive(const StoredKey& row, int64_t now_ms) {
  return !row.expires_at_ms || *row.expires_at_ms > now_ms;
}

bool IsPublished(const StoredKey& row, const KeyPolicy& policy, int64_t now_ms) {
  return !row.expires_at_ms ||
         *row.expires_at_ms > SaturatingSub(now_ms, policy.grace_period_ms);
}

const std::string& AlgOf(const StoredKey& row, const KeyPolicy& policy) {
  return row.alg ? *row.alg : policy.alg;
}

const char* KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kActive:
      return "active";
    case KeyState::kStandby:
      return "standby";
    case KeyState::kRetiring:
      return "retiring";
    case KeyState::kExpired:
      return "expired";
    case KeyState::kRevoked:
      return "revoked";
  }
  return "unknown";
}

std::optional<size_t> SigningRowIndex(const std::vector<StoredKey>& rows, const std::string& alg,
                                      const KeyPolicy& policy, int64_t now_ms) {
  std::optional<size_t> best;
  for (size_t i = 0; i < rows.size(); ++i) {
    const StoredKey& row = rows[i];
    if (AlgOf(row, policy) != alg || !IsLive(row, now_ms)) continue;
    if (!best || row.created_at_ms > rows[*best].created_at_ms) best = i;
  }
  return best;
}

std::vector<KeyState> ClassifyKeys(const std::vector<StoredKey>& rows, const KeyPolicy& policy,
                                   int64_t now_ms) {
  std::vector<KeyState> states(rows.size(), KeyState::kExpired);
  for (size_t i = 0; i < rows.size(); ++i) {
    const StoredKey& row = rows[i];
    if (IsLive(row, now_ms)) {
      auto signer = SigningRowIndex(rows, AlgOf(row, policy), policy, now_ms);
      states[i] = signer == i ? KeyState::kActive : KeyState::kStandby;
    } else if (IsPublished(row, policy, now_ms)) {
      states[i] = KeyState::kRetiring;
    }
  }
  return states;
}

std::optional<RotationStep> PlanRotation(const std::vector<StoredKey>& rows,
                                         const KeyPolicy& policy, int64_t now_ms,
                                         int64_t margin_ms) {
  auto active_index = SigningRowIndex(rows, policy.alg, policy, now_ms);
  if (!active_index) {
    std::optional<int64_t> expires;
    if (policy.rotation_interval_ms) expires = SaturatingAdd(now_ms, *policy.rotation_interval_ms);
    return RotationStep{RotationStep::kFirstKey, now_ms, expires, std::nullopt};
  }
  const StoredKey& active = rows[*active_index];
  const int64_t lead = policy.lead_time_ms + margin_ms;
  std::optional<std::pair<std::string, int64_t>> active_expiry;
  int64_t takeover;
  if (active.expires_at_ms) {
    takeover = *active.expires_at_ms;
    if (SaturatingSub(takeover, now_ms) > lead) return std::nullopt;
    // Joined late (another writer's key expires sooner than the lead time): the active key
    // signs a little longer, so the standby is still published for the whole lead time.
    if (SaturatingSub(takeover, now_ms) < policy.lead_time_ms &&
        !SigningRowIndex(rows, policy.alg, policy, takeover)) {
      takeover = SaturatingAdd(now_ms, policy.lead_time_ms);
      active_expiry = std::make_pair(active.kid, takeover);
    }
  } else {
    if (!policy.rotation_interval_ms) return std::nullopt;  // keys never expire
    takeover = std::max(SaturatingAdd(active.created_at_ms, *policy.rotation_interval_ms),
                        SaturatingAdd(now_ms, lead));
    active_expiry = std::make_pair(active.kid, takeover);
  }
  // A key that signs once the active one has expired already exists: nothing to do.
  if (!active_expiry && SigningRowIndex(rows, policy.alg, policy, takeover)) return std::nullopt;
  // Without rotation the active key has an expiresAt (else we returned above).
  const int64_t lifetime = NextLifetime(active, policy);
  return RotationStep{RotationStep::kStandby, active.created_at_ms - 1,
                      SaturatingAdd(takeover, lifetime), active_expiry};
}

}  // namespace issuer::keys
