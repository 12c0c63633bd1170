#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/logger.h"
#include "common/published.h"
#include "common/random.h"
#include "common/result.h"
#include "keys/key_ring.h"
#include "storage/repository.h"

namespace issuer::server {

// Holds the key ring in memory and keeps it in step with the jwks table. A token request only
// reads the in-memory ring: it never touches the table, decrypts a key or waits for a write.
// The table is read at Load(), when Maintain() writes, and when PollForChanges() sees another
// connection commit a change to the jwks rows. Maintain() is the rotation timer's step: it
// makes the first key, and standby keys ahead of time (keys/lifecycle.h). Thread-safe.
class KeyManager {
 public:
  // How far ahead of the lead time the timer acts: well over its period (KeyPoller, 250 ms), so
  // a standby is published for at least the lead time before it signs.
  static constexpr int64_t kTimerMarginMs = 2000;

  KeyManager(storage::Repository& repo, keys::SecretRing secrets, keys::KeyPolicy policy,
             const Clock& clock, Random random, Logger& log);

  // Reads and unseals the keys. Fails (kUnauthenticated, naming the kid) if a live key does
  // not open with the secrets, and (kConflict, naming the kid) if the key that would sign has
  // a public key that is not its private key's (the server must not start on it).
  Status Load();

  // The rotation timer's step: writes the first key or a standby key when the lifecycle says
  // so (re-checked under the write lock, so several processes write it once), then reloads.
  Status Maintain();

  // The ring and the key that signs now. Made by Maintain() ahead of time; only if there is
  // none at all (the timer has not run yet) is one made here.
  struct Signer {
    std::shared_ptr<const keys::KeyRing> ring;  // keeps `key` alive
    const keys::RingKey* key;
  };
  Result<Signer> CurrentSigner();
  // The newest live key of `alg`. kNotFound when there is none: keys of the configured
  // algorithms (--alg, jwks.keyPairConfigs) are made ahead of time, no other is made here.
  Result<Signer> SignerFor(const std::string& alg);

  // The JWKS document, served from memory, and its strong ETag.
  struct Jwks {
    std::shared_ptr<const std::string> body;
    std::string etag;  // "\"<hex>\""
  };
  Result<Jwks> CurrentJwks();
  // The JWKS body alone.
  Result<std::string> JwksJson();

  // Reloads the ring if another connection changed the jwks rows since the last look.
  void PollForChanges();

  // The timer's tick: PollForChanges, then Maintain; failures are logged.
  void Tick();

  const keys::KeyPolicy& policy() const { return policy_; }
  // Keys this process wrote to replace another (standby keys, for /metrics).
  uint64_t rotations() const { return rotations_.load(); }

 private:
  struct JwksCache {
    std::shared_ptr<const keys::KeyRing> ring;  // the ring the body was made from
    int64_t valid_until_ms = 0;                 // the next lifecycle change
    Jwks jwks;
  };

  // A key whose public key is not its private key's (keys::KeyRing::mismatched()) is never
  // published or used for signing: each reload leaves it out of the ring, logs an error once
  // per kid, and the rotation timer makes a key that signs in its place.
  // report: log newly found mismatched keys (Load reports them itself, after its refusal).
  Status Reload(bool report = true);
  void ReportMismatches(const keys::KeyRing& ring);
  // `rows` without the keys the current ring left out as mismatched.
  std::vector<keys::StoredKey> Usable(std::vector<keys::StoredKey> rows) const;
  Status MaintainLocked();
  Result<bool> MaintainOnce();
  Result<bool> MaintainAlg(const keys::KeyPolicy& policy);
  std::shared_ptr<const keys::KeyRing> ring() const { return ring_.Get(); }
  void set_ring(std::shared_ptr<const keys::KeyRing> ring) { ring_.Set(std::move(ring)); }

  storage::Repository& repo_;
  const keys::SecretRing secrets_;
  const keys::KeyPolicy policy_;
  const Clock& clock_;
  Random random_;
  Logger& log_;
  std::mutex reload_mu_;  // serialises Reload and key creation
  Published<keys::KeyRing> ring_;  // read on every token without a lock
  std::atomic<int64_t> data_version_{-1};
  std::atomic<uint64_t> rotations_{0};
  std::string fingerprint_;  // digest of the rows last loaded; guarded by reload_mu_
  std::set<std::string> reported_mismatches_;  // kids logged once; guarded by reload_mu_
  std::mutex jwks_mu_;
  JwksCache jwks_cache_;  // guarded by jwks_mu_
};

}  // namespace issuer::server
