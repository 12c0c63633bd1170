#include "server/keyring/key_admin.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "keys/jwk.h"
#include "server/keyring/convert.h"

namespace issuer::server {
namespace {

using storage::JwkChange;
using storage::JwkRow;

Result<std::vector<keys::StoredKey>> StoredRows(storage::Repository& repo) {
  auto rows = repo.ListJwks();
  if (!rows.ok()) return rows.error();
  return ToStoredKeys(std::move(*rows));
}

// The change that makes `key` the signing key now: inserted with createdAt = now, and every
// other live key of its alg retired.
JwkChange Activate(const keys::StoredKey& key, const std::vector<keys::StoredKey>& rows,
                   const KeyAdminContext& ctx) {
  JwkChange change;
  for (const keys::StoredKey& row : rows) {
    if (keys::AlgOf(row, ctx.policy) == ctx.policy.alg && keys::IsLive(row, ctx.now_ms)) {
      change.expiries.emplace_back(row.kid, ctx.now_ms);
    }
  }
  change.inserts.push_back(ToJwkRow(key));
  return change;
}

const keys::StoredKey* FindKid(const std::vector<keys::StoredKey>& rows, const std::string& kid) {
  for (const keys::StoredKey& row : rows) {
    if (row.kid == kid) return &row;
  }
  return nullptr;
}

}  // namespace

Result<std::vector<KeyListing>> ListKeys(storage::Repository& repo, const keys::KeyPolicy& policy,
                                         int64_t now_ms) {
  auto rows = StoredRows(repo);
  auto records = repo.ListKeyRecords();
  if (!rows.ok()) return rows.error();
  if (!records.ok()) return records.error();
  const std::vector<keys::KeyState> states = keys::ClassifyKeys(*rows, policy, now_ms);
  std::vector<KeyListing> out;
  for (size_t i = 0; i < rows->size(); ++i) {
    const keys::StoredKey& row = (*rows)[i];
    int64_t created = row.created_at_ms;
    for (const storage::KeyRecord& r : *records) {
      if (r.id == row.kid) created = r.created_at_ms;
    }
    out.push_back(KeyListing{row.kid, keys::AlgOf(row, policy), created, row.expires_at_ms,
                             states[i], keys::IsPublished(row, policy, now_ms)});
  }
  for (const storage::KeyRecord& r : *records) {
    if (!r.revoked_at_ms || FindKid(*rows, r.id)) continue;
    out.push_back(KeyListing{r.id, r.alg.value_or(policy.alg), r.created_at_ms, r.revoked_at_ms,
                             keys::KeyState::kRevoked, false});
  }
  return out;
}

Result<std::string> ExportPublicJwks(storage::Repository& repo, const KeyAdminContext& ctx) {
  auto rows = StoredRows(repo);
  if (!rows.ok()) return rows.error();
  std::vector<keys::StoredKey> kept;
  for (keys::StoredKey& row : *rows) {
    if (keys::CheckKeyPair(row, ctx.secrets, ctx.policy).ok()) kept.push_back(std::move(row));
  }
  return keys::KeyRing::PublicOnly(std::move(kept), ctx.policy, ctx.now_ms).JwksJson(ctx.now_ms);
}

Result<std::string> RotateKey(storage::Repository& repo, const KeyAdminContext& ctx) {
  auto made = keys::MakeKey(ctx.secrets, ctx.policy, ctx.random, ctx.now_ms);
  if (!made.ok()) return made.error();
  auto written = repo.ChangeJwks(
      [&](const std::vector<JwkRow>& rows) -> std::optional<JwkChange> {
        return Activate(made->row, ToStoredKeys(rows), ctx);
      },
      ctx.now_ms);
  if (!written.ok()) return written.error();
  return made->row.kid;
}

Result<std::optional<std::string>> RevokeKey(storage::Repository& repo, const std::string& kid,
                                             bool replace, const KeyAdminContext& ctx) {
  // The replacement is made before the write transaction, and only when asked for (RSA keys
  // take tens of milliseconds).
  std::optional<keys::NewKey> made;
  if (replace) {
    auto key = keys::MakeKey(ctx.secrets, ctx.policy, ctx.random, ctx.now_ms);
    if (!key.ok()) return key.error();
    made = std::move(*key);
  }
  std::optional<Error> refused;
  auto written = repo.ChangeJwks(
      [&](const std::vector<JwkRow>& jwk_rows) -> std::optional<JwkChange> {
        std::vector<keys::StoredKey> rows = ToStoredKeys(jwk_rows);
        const keys::StoredKey* target = FindKid(rows, kid);
        if (target == nullptr) {
          refused = Error{Errc::kNotFound, "no key with kid " + kid};
          return std::nullopt;
        }
        const std::string alg = keys::AlgOf(*target, ctx.policy);
        std::vector<keys::StoredKey> rest;
        for (const keys::StoredKey& row : rows) {
          if (row.kid != kid) rest.push_back(row);
        }
        const bool signs = keys::SigningRowIndex(rows, alg, ctx.policy, ctx.now_ms).has_value();
        const bool replaced = keys::SigningRowIndex(rest, alg, ctx.policy, ctx.now_ms).has_value();
        if (signs && !replaced && !replace) {
          refused = Error{Errc::kInvalidArgument,
                          "key " + kid + " is the last key that signs " + alg +
                              "; revoke it with --rotate to make its replacement in the same step"};
          return std::nullopt;
        }
        JwkChange change = made ? Activate(made->row, rest, ctx) : JwkChange();
        change.revokes.push_back(kid);
        return change;
      },
      ctx.now_ms);
  if (!written.ok()) return written.error();
  if (refused) return *refused;
  if (!made) return std::optional<std::string>();
  return std::optional<std::string>(made->row.kid);
}

Result<std::string> ImportKey(storage::Repository& repo, std::string_view jwk_json,
                              const KeyAdminContext& ctx) {
  auto key = keys::ParsePrivateJwk(jwk_json);
  if (!key.ok()) return Error{Errc::kInvalidArgument, "not an Ed25519 private JWK: " +
                                                          key.error().message};
  auto jwk = nlohmann::json::parse(jwk_json, nullptr, /*allow_exceptions=*/false);
  std::string kid = keys::Ed25519Thumbprint(key->public_key());
  if (auto it = jwk.find("kid"); it != jwk.end() && it->is_string() && !it->empty()) kid = *it;
  const std::string public_jwk = keys::PublicJwkJson(key->public_key());
  auto made = keys::SealNewKey(kid, std::move(*key), ctx.secrets, ctx.policy, ctx.random,
                               ctx.now_ms);
  if (!made.ok()) return made.error();
  std::optional<Error> refused;
  auto written = repo.ChangeJwks(
      [&](const std::vector<JwkRow>& jwk_rows) -> std::optional<JwkChange> {
        std::vector<keys::StoredKey> rows = ToStoredKeys(jwk_rows);
        const keys::StoredKey* existing = FindKid(rows, kid);
        if (existing == nullptr) return Activate(made->row, rows, ctx);
        if (existing->public_key_json != public_jwk) {
          refused = Error{Errc::kInvalidArgument, "kid " + kid + " is taken by another key"};
        }
        return std::nullopt;  // already imported
      },
      ctx.now_ms);
  if (!written.ok()) return written.error();
  if (refused) return *refused;
  return kid;
}

Result<std::vector<KeyProblem>> CheckKeys(storage::Repository& repo, const KeyAdminContext& ctx) {
  auto rows = StoredRows(repo);
  if (!rows.ok()) return rows.error();
  const std::vector<keys::KeyState> states = keys::ClassifyKeys(*rows, ctx.policy, ctx.now_ms);
  std::vector<KeyProblem> problems;
  for (size_t i = 0; i < rows->size(); ++i) {
    const keys::StoredKey& row = (*rows)[i];
    if (Status st = keys::CheckOpens(row, ctx.secrets, ctx.policy); !st.ok()) {
      const bool live = keys::IsLive(row, ctx.now_ms);
      problems.push_back(KeyProblem{row.kid, states[i], st.error().message, false, live});
    } else if (Status pair = keys::CheckKeyPair(row, ctx.secrets, ctx.policy); !pair.ok()) {
      const bool active = states[i] == keys::KeyState::kActive;
      problems.push_back(KeyProblem{row.kid, states[i], pair.error().message, true, active});
    }
  }
  return problems;
}

Result<KeyFix> FixKeys(storage::Repository& repo, const KeyAdminContext& ctx) {
  auto made = keys::MakeKey(ctx.secrets, ctx.policy, ctx.random, ctx.now_ms);
  if (!made.ok()) return made.error();
  KeyFix fix;
  auto written = repo.ChangeJwks(
      [&](const std::vector<JwkRow>& jwk_rows) -> std::optional<JwkChange> {
        fix = KeyFix();
        for (const keys::StoredKey& row : ToStoredKeys(jwk_rows)) {
          if (!keys::CheckOpens(row, ctx.secrets, ctx.policy).ok()) {
            if (keys::IsLive(row, ctx.now_ms)) fix.retired.push_back(row.kid);
          } else if (!keys::CheckKeyPair(row, ctx.secrets, ctx.policy).ok()) {
            fix.removed.push_back(row.kid);
          }
        }
        if (fix.retired.empty() && fix.removed.empty()) return std::nullopt;
        JwkChange change;
        for (const std::string& kid : fix.retired) change.expiries.emplace_back(kid, ctx.now_ms);
        change.revokes = fix.removed;
        change.inserts.push_back(ToJwkRow(made->row));
        return change;
      },
      ctx.now_ms);
  if (!written.ok()) return written.error();
  return fix;
}

}  // namespace issuer::server
