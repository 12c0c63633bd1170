#include "server/keyring/key_manager.h"

namespace issuer::server {
namespace {

keys::StoredKey ToStoredKey(storage::JwkRow row) {
  return keys::StoredKey{std::move(row.id),  std::move(row.public_key), std::move(row.private_key),
                         std::move(row.alg), std::move(row.crv),        row.created_at_ms,
                         row.expires_at_ms};
}

storage::JwkRow ToJwkRow(const keys::StoredKey& key) {
  return storage::JwkRow{key.kid, key.public_key_json, key.private_key, key.created_at_ms,
                         key.expires_at_ms, key.alg, key.crv};
}

// What decides the ring: which rows exist and when they expire. Other commits (sessions,
// users) change data_version but not this, and then nothing is decrypted again.
std::string Fingerprint(const std::vector<storage::JwkRow>& rows) {
  std::string out;
  for (const auto& row : rows) {
    out += row.id + ":" + std::to_string(row.expires_at_ms.value_or(-1)) + ";";
  }
  return out;
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
  return Reload();
}

// REQUIRES: reload_mu_ held.
Status KeyManager::Reload() {
  auto version = repo_.DataVersion();
  // Recorded even if the reload fails, so a bad row is reported once, not every second.
  if (version.ok()) data_version_.store(*version);
  auto rows = repo_.ListJwks();
  if (!rows.ok()) return rows.error();
  std::string fingerprint = Fingerprint(*rows);
  if (ring() && fingerprint == fingerprint_) return Status::Ok();
  std::vector<keys::StoredKey> stored;
  stored.reserve(rows->size());
  for (storage::JwkRow& row : *rows) stored.push_back(ToStoredKey(std::move(row)));
  auto ring = keys::KeyRing::Open(std::move(stored), secrets_, policy_, clock_.NowMs());
  if (!ring.ok()) return ring.error();
  auto loaded = std::make_shared<const keys::KeyRing>(std::move(*ring));
  {
    std::lock_guard<std::mutex> lock(ring_mu_);
    ring_.swap(loaded);  // the old ring is released after the lock
  }
  fingerprint_ = std::move(fingerprint);
  return Status::Ok();
}

// REQUIRES: reload_mu_ held.
Status KeyManager::MakeKeyIfNone() {
  if (ring() && ring()->Signer(clock_.NowMs()) != nullptr) return Status::Ok();  // another thread did
  Status st = Reload();  // another process may have made one since we last looked
  if (!st.ok()) return st;
  if (ring()->Signer(clock_.NowMs()) != nullptr) return Status::Ok();
  auto made = keys::MakeKey(secrets_, policy_, random_, clock_.NowMs());
  if (!made.ok()) return made.error();
  auto inserted = repo_.InsertJwkUnlessLiveExists(ToJwkRow(made->row), made->signer->alg(),
                                                 clock_.NowMs());
  if (!inserted.ok()) return inserted.error();
  if (*inserted) log_.Info("key_created", "kid=" + made->row.kid);
  return Reload();
}

Result<KeyManager::Signer> KeyManager::CurrentSigner() {
  auto current = ring();
  if (current) {
    if (const keys::RingKey* key = current->Signer(clock_.NowMs())) return Signer{current, key};
  }
  std::lock_guard<std::mutex> lock(reload_mu_);
  Status st = MakeKeyIfNone();
  if (!st.ok()) return st.error();
  current = ring();
  const keys::RingKey* key = current->Signer(clock_.NowMs());
  if (key == nullptr) return Error{Errc::kInternal, "no signing key after creating one"};
  return Signer{current, key};
}

Result<std::string> KeyManager::JwksJson() {
  PollForChanges();
  auto current = ring();
  if (!current || current->size() == 0) {
    auto signer = CurrentSigner();
    if (!signer.ok()) return signer.error();
    current = signer->ring;
  }
  return current->JwksJson(clock_.NowMs());
}

void KeyManager::PollForChanges() {
  auto version = repo_.DataVersion();
  if (!version.ok() || *version == data_version_.load()) return;
  std::lock_guard<std::mutex> lock(reload_mu_);
  Status st = Reload();
  if (!st.ok()) log_.Warn("key_reload_failed", "reason=\"" + st.error().message + "\"");
}

}  // namespace issuer::server
