#include "server/keyring/key_manager.h"

#include <sodium.h>

#include "keys/lifecycle.h"
#include "server/keyring/convert.h"

namespace issuer::server {
namespace {

// Hex of a 16-byte BLAKE2b digest.
std::string ShortDigest(std::string_view data) {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

// What decides the ring: every column of every row. Other commits (sessions, users) change
// data_version but not this, and then nothing is decrypted again.
std::string Fingerprint(const std::vector<storage::JwkRow>& rows) {
  std::string all;
  for (const auto& row : rows) {
    for (const std::string* field : {&row.id, &row.public_key, &row.private_key}) {
      all += std::to_string(field->size()) + ":" + *field;
    }
    all += std::to_string(row.created_at_ms) + "/" +
           std::to_string(row.expires_at_ms.value_or(-1)) + "/" + row.alg.value_or("\x01") +
           "/" + row.crv.value_or("\x01") + ";";
  }
  return ShortDigest(all);
}

std::vector<keys::StoredKey> RingRows(const keys::KeyRing* ring) {
  std::vector<keys::StoredKey> rows;
  if (ring == nullptr) return rows;
  for (const keys::RingKey& k : ring->keys()) rows.push_back(k.row);
  return rows;
}

const char* StepName(keys::RotationStep::Kind kind) {
  return kind == keys::RotationStep::kFirstKey ? "first" : "standby";
}

}  // namespace

KeyManager::KeyManager(storage::Repository& repo, keys::SecretRing secrets,
                       keys::KeyPolicy policy, const Clock& clock, Random random, Logger& log)
    : repo_(repo),
      secrets_(std::move(secrets)),
      policy_(std::move(policy)),
      clock_(clock),
      random_(std::move(random)),
      log_(log) {}

Status KeyManager::Load() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  if (Status st = Reload(/*report=*/false); !st.ok()) return st;
  for (const keys::KeyRing::MismatchedKey& bad : ring()->mismatched()) {
    if (!bad.active) continue;
    return Error{Errc::kConflict,
                 "jwks key " + bad.kid +
                     " (the signing key): its public key does not match its private key, so "
                     "its tokens would not verify against the JWKS. Run `ba-issuer doctor --fix` "
                     "to replace it with a new key"};
  }
  ReportMismatches(*ring());
  return Status::Ok();
}

// REQUIRES: reload_mu_ held.
void KeyManager::ReportMismatches(const keys::KeyRing& ring) {
  for (const keys::KeyRing::MismatchedKey& bad : ring.mismatched()) {
    if (!reported_mismatches_.insert(bad.kid).second) continue;
    log_.Error("key_pair_mismatch",
               "kid=" + bad.kid +
                   " reason=\"its public key does not match its private key: not published, "
                   "never signs; run ba-issuer doctor --fix\"");
  }
}

std::vector<keys::StoredKey> KeyManager::Usable(std::vector<keys::StoredKey> rows) const {
  auto current = ring();
  if (!current || current->mismatched().empty()) return rows;
  std::vector<keys::StoredKey> out;
  for (keys::StoredKey& row : rows) {
    bool bad = false;
    for (const auto& m : current->mismatched()) bad = bad || m.kid == row.kid;
    if (!bad) out.push_back(std::move(row));
  }
  return out;
}

// REQUIRES: reload_mu_ held.
Status KeyManager::Reload(bool report) {
  auto version = repo_.DataVersion();
  // Recorded even if the reload fails, so a bad row is reported once, not every second.
  if (version.ok()) data_version_.store(*version);
  auto rows = repo_.ListJwks();
  if (!rows.ok()) return rows.error();
  std::string fingerprint = Fingerprint(*rows);
  if (ring() && fingerprint == fingerprint_) return Status::Ok();
  auto ring = keys::KeyRing::Open(ToStoredKeys(std::move(*rows)), secrets_, policy_,
                                  clock_.NowMs());
  if (!ring.ok()) return ring.error();
  if (report) ReportMismatches(*ring);
  set_ring(std::make_shared<const keys::KeyRing>(std::move(*ring)));
  fingerprint_ = std::move(fingerprint);
  return Status::Ok();
}

Status KeyManager::Maintain() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  return MaintainLocked();
}

// REQUIRES: reload_mu_ held. A first key and its standby are written in one call, so the
// standby is published for its full lead time.
Status KeyManager::MaintainLocked() {
  for (int step = 0; step < 2; ++step) {
    auto written = MaintainOnce();
    if (!written.ok()) return written.error();
    if (!*written) break;
  }
  return Status::Ok();
}

// REQUIRES: reload_mu_ held. Returns whether a key was written.
Result<bool> KeyManager::MaintainOnce() {
  bool written = false;
  std::vector<keys::KeyPairConfig> configs = {{policy_.alg, policy_.modulus_bits}};
  configs.insert(configs.end(), policy_.extra.begin(), policy_.extra.end());
  for (const keys::KeyPairConfig& config : configs) {
    keys::KeyPolicy policy = policy_;
    policy.alg = config.alg;
    policy.modulus_bits = config.modulus_bits;
    auto step = MaintainAlg(policy);
    if (!step.ok()) return step.error();
    written = written || *step;
  }
  return written;
}

// REQUIRES: reload_mu_ held. One rotation step for `policy.alg`, if the lifecycle says so.
Result<bool> KeyManager::MaintainAlg(const keys::KeyPolicy& policy) {
  const int64_t now = clock_.NowMs();
  const std::vector<keys::StoredKey> before = RingRows(ring().get());
  if (!keys::PlanRotation(before, policy, now, kTimerMarginMs)) return false;
  // The key is made before the write transaction (RSA takes tens of ms); the plan is re-checked
  // inside it.
  auto made = keys::MakeKey(secrets_, policy, random_, now);
  if (!made.ok()) return made.error();
  std::optional<keys::RotationStep> step;
  auto written = repo_.ChangeJwks(
      [&](const std::vector<storage::JwkRow>& rows) -> std::optional<storage::JwkChange> {
        step = keys::PlanRotation(Usable(ToStoredKeys(rows)), policy, now, kTimerMarginMs);
        if (!step) return std::nullopt;
        storage::JwkChange change;
        storage::JwkRow row = ToJwkRow(made->row);
        row.created_at_ms = step->created_at_ms;
        row.expires_at_ms = step->expires_at_ms;
        change.inserts.push_back(std::move(row));
        if (step->active_expiry) change.expiries.push_back(*step->active_expiry);
        return change;
      },
      now);
  if (!written.ok()) return written.error();
  if (*written) {
    log_.Info("key_created", std::string("kind=") + StepName(step->kind) + " alg=" +
                                 policy.alg + " kid=" + made->row.kid);
    // A key made while others exist replaces one (a standby, or a first key again when the
    // clock jumped past every key's expiry).
    if (step->kind != keys::RotationStep::kFirstKey || !before.empty()) rotations_.fetch_add(1);
  }
  Status reloaded = Reload();
  if (!reloaded.ok()) return reloaded.error();
  return *written;
}

Result<KeyManager::Signer> KeyManager::CurrentSigner() {
  auto current = ring();
  if (current) {
    if (const keys::RingKey* key = current->Signer(clock_.NowMs())) return Signer{current, key};
  }
  std::lock_guard<std::mutex> lock(reload_mu_);
  Status st = Reload();  // another process may have made one since we last looked
  if (st.ok() && !ring()->Signer(clock_.NowMs())) st = MaintainLocked();
  if (!st.ok()) return st.error();
  current = ring();
  const keys::RingKey* key = current->Signer(clock_.NowMs());
  if (key == nullptr) return Error{Errc::kInternal, "no signing key after creating one"};
  return Signer{current, key};
}

Result<KeyManager::Signer> KeyManager::SignerFor(const std::string& alg) {
  if (alg == policy_.alg) return CurrentSigner();
  auto current = ring();
  if (current) {
    if (const keys::RingKey* key = current->SignerFor(alg, clock_.NowMs())) {
      return Signer{current, key};
    }
  }
  return Error{Errc::kNotFound, "no live " + alg + " key: configure it with --alg or " +
                                    "jwks.keyPairConfigs"};
}

Result<KeyManager::Jwks> KeyManager::CurrentJwks() {
  PollForChanges();
  auto current = ring();
  if (!current || current->size() == 0) {
    auto signer = CurrentSigner();  // an empty table gets a key, as in Better Auth
    if (!signer.ok()) return signer.error();
    current = signer->ring;
  }
  const int64_t now = clock_.NowMs();
  std::lock_guard<std::mutex> lock(jwks_mu_);
  if (jwks_cache_.ring != current || now >= jwks_cache_.valid_until_ms ||
      !jwks_cache_.jwks.body) {
    auto body = std::make_shared<const std::string>(current->JwksJson(now));
    jwks_cache_ = JwksCache{current, current->NextChangeMs(now),
                            Jwks{body, "\"" + ShortDigest(*body) + "\""}};
  }
  return jwks_cache_.jwks;
}

Result<std::string> KeyManager::JwksJson() {
  auto jwks = CurrentJwks();
  if (!jwks.ok()) return jwks.error();
  return *jwks->body;
}

void KeyManager::PollForChanges() {
  auto version = repo_.DataVersion();
  if (!version.ok() || *version == data_version_.load()) return;
  std::lock_guard<std::mutex> lock(reload_mu_);
  Status st = Reload();
  if (!st.ok()) log_.Warn("key_reload_failed", "reason=\"" + st.error().message + "\"");
}

void KeyManager::Tick() {
  PollForChanges();
  Status st = Maintain();
  if (!st.ok()) log_.Warn("key_maintenance_failed", "reason=\"" + st.error().message + "\"");
}

}  // namespace issuer::server
