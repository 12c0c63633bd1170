#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/logger.h"
#include "common/random.h"
#include "common/result.h"
#include "keys/key_ring.h"
#include "storage/repository.h"

namespace issuer::server {

// Holds the key ring in memory and keeps it in step with the jwks table. A token request only
// reads the in-memory ring: it never touches the table or decrypts a key. The table is read at
// Load(), when a key must be made, and when PollForChanges() sees another connection commit.
// Thread-safe.
class KeyManager {
 public:
  KeyManager(storage::Repository& repo, keys::SecretRing secrets, keys::KeyPolicy policy,
             const Clock& clock, Random random, Logger& log);

  // Reads and unseals the published keys. Fails if one of them does not open with the secret.
  Status Load();

  // The ring and the key that signs now; makes (and stores) a key first if there is none.
  struct Signer {
    std::shared_ptr<const keys::KeyRing> ring;  // keeps `key` alive
    const keys::RingKey* key;
  };
  Result<Signer> CurrentSigner();

  // The JWKS document; makes a key first if the table has none, as Better Auth does.
  Result<std::string> JwksJson();

  // Reloads the ring if another connection changed the database since the last look.
  void PollForChanges();

 private:
  Status Reload();
  Status MakeKeyIfNone();
  std::shared_ptr<const keys::KeyRing> ring() const {
    std::lock_guard<std::mutex> lock(ring_mu_);
    return ring_;
  }

  storage::Repository& repo_;
  const keys::SecretRing secrets_;
  const keys::KeyPolicy policy_;
  const Clock& clock_;
  Random random_;
  Logger& log_;
  std::mutex reload_mu_;  // serialises Reload and key creation
  // Not std::atomic<std::shared_ptr>: libstdc++ 12's load() releases its lock bit with
  // memory_order_relaxed, which TSan reports as a race with store().
  mutable std::mutex ring_mu_;  // guards ring_; held only to copy or replace the pointer
  std::shared_ptr<const keys::KeyRing> ring_;
  std::atomic<int64_t> data_version_{-1};
  std::string fingerprint_;  // ids and expiries of the rows last loaded; guarded by reload_mu_
};

}  // namespace issuer::server
