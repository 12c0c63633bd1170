#include "server/console/key_staging.h"

#include <optional>

#include "keys/lifecycle.h"
#include "server/keyring/convert.h"

namespace issuer::server::console {
namespace {

// The change that stages `made` behind the active key of `rows`, or the reason it cannot.
std::variant<storage::JwkChange, Error> Plan(const std::vector<keys::StoredKey>& rows,
                                             const keys::StoredKey& made,
                                             const KeyAdminContext& ctx) {
  const keys::KeyPolicy& policy = ctx.policy;
  auto active = keys::SigningRowIndex(rows, policy.alg, policy, ctx.now_ms);
  if (!active) return Error{Errc::kNotFound, "no key signs " + policy.alg + " now"};
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == *active || keys::AlgOf(rows[i], policy) != policy.alg) continue;
    if (keys::IsLive(rows[i], ctx.now_ms)) {
      return Error{Errc::kConflict, "key " + rows[i].kid + " already waits to take over"};
    }
  }
  const keys::StoredKey& current = rows[*active];
  const int64_t takeover = ctx.now_ms + policy.lead_time_ms;
  storage::JwkRow row = ToJwkRow(made);
  row.created_at_ms = current.created_at_ms - 1;
  row.expires_at_ms = std::nullopt;
  if (policy.rotation_interval_ms) row.expires_at_ms = takeover + *policy.rotation_interval_ms;
  storage::JwkChange change;
  change.inserts.push_back(std::move(row));
  change.expiries.emplace_back(current.kid, takeover);
  return change;
}

}  // namespace

Result<StagedKey> StageStandbyKey(storage::Repository& repo, const KeyAdminContext& ctx) {
  // Made before the write transaction: RSA keys take tens of milliseconds.
  auto made = keys::MakeKey(ctx.secrets, ctx.policy, ctx.random, ctx.now_ms);
  if (!made.ok()) return made.error();
  std::optional<Error> refused;
  auto written = repo.ChangeJwks(
      [&](const std::vector<storage::JwkRow>& rows) -> std::optional<storage::JwkChange> {
        auto plan = Plan(ToStoredKeys(rows), made->row, ctx);
        if (auto* error = std::get_if<Error>(&plan)) {
          refused = *error;
          return std::nullopt;
        }
        return std::get<storage::JwkChange>(std::move(plan));
      },
      ctx.now_ms);
  if (!written.ok()) return written.error();
  if (refused) return *refused;
  return StagedKey{made->row.kid, ctx.now_ms + ctx.policy.lead_time_ms};
}

}  // namespace issuer::server::console
