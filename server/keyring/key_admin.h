#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "keys/key_ring.h"
#include "keys/lifecycle.h"
#include "storage/repository.h"

namespace issuer::server {

// The key operations behind the `keys` and `doctor` commands. Each works on the store with or
// without a server running on it: every write is one ChangeJwks transaction, and a running
// server sees it within a second (its key timer polls the change signal).

// Everything a key operation needs besides the store.
struct KeyAdminContext {
  const keys::SecretRing& secrets;
  const keys::KeyPolicy& policy;
  Random random;
  int64_t now_ms;
};

struct KeyListing {
  std::string kid;
  std::string alg;
  int64_t created_at_ms;                 // true creation time where ba-issuer recorded it
  std::optional<int64_t> expires_at_ms;  // jwks.expiresAt
  keys::KeyState state;
  bool published;
};

// Every jwks row, then every revoked key ba-issuer recorded. Never writes.
Result<std::vector<KeyListing>> ListKeys(storage::Repository& repo, const keys::KeyPolicy& policy,
                                         int64_t now_ms);

// The JWKS the server publishes now, from the public columns (the private keys only to leave
// out a row whose public key is not its private key's, where the secrets open it). Never writes.
Result<std::string> ExportPublicJwks(storage::Repository& repo, const KeyAdminContext& ctx);

// Makes a new key that signs now; every other live key of its alg retires (expiresAt = now).
// Returns its kid.
Result<std::string> RotateKey(storage::Repository& repo, const KeyAdminContext& ctx);

// Deletes `kid` from the table (out of the JWKS and signing at once). kNotFound for an unknown
// kid; kInvalidArgument for the last key that can sign its alg, unless `replace`, which makes a
// new signing key in the same transaction (its kid is returned). Changes nothing on error.
Result<std::optional<std::string>> RevokeKey(storage::Repository& repo, const std::string& kid,
                                             bool replace, const KeyAdminContext& ctx);

// Adds an Ed25519 private JWK as the key that signs now (kid: the JWK's "kid", else its RFC
// 7638 thumbprint). Importing the same key again changes nothing. kInvalidArgument for a
// malformed or public-only JWK, or a kid taken by another key. Returns the kid.
Result<std::string> ImportKey(storage::Repository& repo, std::string_view jwk_json,
                              const KeyAdminContext& ctx);

// A key row the configured secrets cannot open, or whose public key is not its private key's.
struct KeyProblem {
  std::string kid;
  keys::KeyState state;
  std::string reason;
  bool mismatched;    // the public key does not match (else: it does not open)
  bool blocks_start;  // the server refuses to start until it is fixed: a live key that does
                      // not open, or a mismatched active key
};

// Checks every row's private key against the secrets, and its public key against its private
// key. Never writes.
Result<std::vector<KeyProblem>> CheckKeys(storage::Repository& repo, const KeyAdminContext& ctx);

// What FixKeys changed (both empty: nothing to fix, nothing written).
struct KeyFix {
  std::vector<std::string> retired;  // live keys that did not open
  std::vector<std::string> removed;  // keys whose public key did not match their private key
};

// In one transaction: retires every live key the secrets cannot open (expiresAt = now: it
// stays published for the grace period, so tokens it signed still verify), deletes every key
// whose public key is not its private key's (a JWKS must never publish it again), and makes a
// fresh signing key.
Result<KeyFix> FixKeys(storage::Repository& repo, const KeyAdminContext& ctx);

}  // namespace issuer::server
