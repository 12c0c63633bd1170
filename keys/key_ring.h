#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "keys/ed25519.h"
#include "keys/seal.h"
#include "keys/signer.h"

namespace issuer::keys {

// One row of Better Auth's jwks table, as keys/ sees it (no SQL types).
struct StoredKey {
  std::string kid;              // jwks.id
  std::string public_key_json;  // jwks.publicKey, e.g. {"crv":"Ed25519","x":"…","kty":"OKP"}
  std::string private_key;      // jwks.privateKey, sealed (see seal.h)
  std::optional<std::string> alg;
  std::optional<std::string> crv;
  int64_t created_at_ms = 0;
  std::optional<int64_t> expires_at_ms;
};

// Better Auth's jwt plugin options that decide which keys sign and which are published.
// One entry of jwks.keyPairConfigs.
struct KeyPairConfig {
  std::string alg;
  int modulus_bits = 2048;  // modulusLength, for RSA keys
};

struct KeyPolicy {
  std::string alg = "EdDSA";  // jwks.keyPairConfig.alg: new keys, and rows whose alg is NULL
  int modulus_bits = 2048;    // jwks.keyPairConfig.modulusLength, for RSA keys
  // jwks.keyPairConfigs: further algorithms that keep a live key each in the same JWKS.
  std::vector<KeyPairConfig> extra;
  int64_t grace_period_ms = 30LL * 24 * 3600 * 1000;  // jwks.gracePeriod default: 30 days
  std::optional<int64_t> rotation_interval_ms;         // jwks.rotationInterval; none by default
  // How long a standby key is published before it signs; also the JWKS max-age.
  int64_t lead_time_ms = 300 * 1000;
};

// A published key, unsealed when it can sign.
struct RingKey {
  StoredKey row;     // private_key cleared once unsealed
  SignerPtr signer;  // null for algorithms we only publish
};

// An immutable set of keys loaded from the jwks table. Thread-safe (const).
//   auto ring = KeyRing::Open(rows, secrets, policy, now_ms);
//   if (const RingKey* k = ring->Signer(now_ms)) Sign(*k->signer, ...);
class KeyRing {
 public:
  // Unseals every live key of an algorithm ba-issuer signs with, and keeps every key published at
  // `now_ms`. Fails (kUnauthenticated, naming the kid) if a live key does not open with
  // `secrets`: keys are never silently replaced. A key whose public JWK is not its private
  // key's (PublicKeyMatches; a retiring key is checked when it opens) is left out: neither
  // published nor signing, and listed in mismatched(). A live key that cannot sign safely
  // otherwise (an id that is not UTF-8, another algorithm) is published as stored but never
  // signs; a retiring key needs no secret.
  static Result<KeyRing> Open(std::vector<StoredKey> rows, const SecretRing& secrets,
                              const KeyPolicy& policy, int64_t now_ms);

  // The published keys of `rows` without opening any private key: for publishing only
  // (keys export-public); Signer() is always null.
  static KeyRing PublicOnly(std::vector<StoredKey> rows, const KeyPolicy& policy, int64_t now_ms);

  // Better Auth's choice (compat §1.4): the newest key of the policy's alg (NULL alg counts as
  // that alg) by createdAt that has not expired; if there is none, the newest live key of any
  // algorithm ba-issuer signs with (it then signs with that key's alg, as Better Auth does).
  // nullptr when none: the caller must make a key (MakeKey) and reopen.
  const RingKey* Signer(int64_t now_ms) const;
  // The newest live key of `alg` that signs (Better Auth's getLatestKeyByAlg, NULL alg counting
  // as the policy's); nullptr when none.
  const RingKey* SignerFor(std::string_view alg, int64_t now_ms) const;

  // GET /jwks body: {"keys":[{alg, crv, ...publicKey, kid}]} for every key with no expiry or
  // with expiresAt + gracePeriod > now_ms, in table order. Always valid JSON.
  std::string JwksJson(int64_t now_ms) const;

  // The first moment after `now_ms` at which JwksJson or Signer may answer differently (a key
  // expires or leaves the grace period); INT64_MAX if never.
  int64_t NextChangeMs(int64_t now_ms) const;

  const std::vector<RingKey>& keys() const { return keys_; }

  // A row Open() left out because its public key is not its private key's.
  struct MismatchedKey {
    std::string kid;
    bool active;  // it would sign now (the newest live key of its alg)
  };
  const std::vector<MismatchedKey>& mismatched() const { return mismatched_; }

  size_t size() const { return keys_.size(); }

 private:
  KeyRing(std::vector<RingKey> keys, KeyPolicy policy)
      : keys_(std::move(keys)), policy_(policy) {}

  std::vector<RingKey> keys_;
  KeyPolicy policy_;
  std::vector<MismatchedKey> mismatched_;
};

// True if `row`'s stored public JWK is `signer`'s own: it holds every member the private key
// derives, with the same values, and it verifies a signature the private key makes. False
// when the publicKey column was replaced (a JWKS would publish a key nobody signs with).
bool PublicKeyMatches(const StoredKey& row, const Signer& signer);

// The algorithms ba-issuer makes keys for and signs with.
bool CanSign(const std::string& alg);

// Checks that `row`'s private key opens with `secrets` (and, for Ed25519, is a valid private
// JWK). kUnauthenticated or kInvalidArgument naming the kid otherwise.
Status CheckOpens(const StoredKey& row, const SecretRing& secrets, const KeyPolicy& policy);

// Checks that `row`'s public key is its private key's (PublicKeyMatches). kConflict naming the
// kid if not; Ok for a row whose private key does not open (CheckOpens reports that) or that
// is of an algorithm ba-issuer does not sign with.
Status CheckKeyPair(const StoredKey& row, const SecretRing& secrets, const KeyPolicy& policy);

// A new key of the policy's alg as a jwks row (kid from Better Auth's generateId, private JWK
// sealed) and its signer. createdAt = now_ms; expiresAt = now_ms + rotation interval, if any.
// kInvalidArgument for an algorithm ba-issuer cannot make keys for.
struct NewKey {
  StoredKey row;
  SignerPtr signer;
};
Result<NewKey> MakeKey(const SecretRing& secrets, const KeyPolicy& policy, const Random& random,
                       int64_t now_ms);
// The same for another alg (the policy's other fields apply).
Result<NewKey> MakeKeyFor(const std::string& alg, const SecretRing& secrets,
                          const KeyPolicy& policy, const Random& random, int64_t now_ms);
// The same for a given Ed25519 key and kid (keys import, deterministic fixtures).
Result<NewKey> SealNewKey(std::string kid, SigningKey key, const SecretRing& secrets,
                          const KeyPolicy& policy, const Random& random, int64_t now_ms);

}  // namespace issuer::keys
