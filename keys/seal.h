#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "keys/secure_buffer.h"

namespace issuer::keys {

// The secrets Better Auth seals private keys with (compat spec §2).
struct SecretRing {
  struct Versioned {
    int version;
    std::string value;
  };
  // BETTER_AUTH_SECRET (or its fallbacks): seals in single-secret mode, opens bare-hex rows.
  std::string current;
  // BETTER_AUTH_SECRETS, newest first. Empty in single-secret mode.
  std::vector<Versioned> versions;
};

// Seals `plaintext` as Better Auth's symmetricEncrypt does: XChaCha20-Poly1305 under
// SHA-256(secret), random 24-byte nonce, no associated data, stored as the JSON string of
// lowercase hex(nonce || ciphertext || tag). With versioned secrets the hex carries the
// "$ba$<version>$" envelope of the newest version.
Result<std::string> SealPrivateKey(std::string_view plaintext, const SecretRing& secrets,
                                   const Random& random);

// Opens a jwks.privateKey value written by SealPrivateKey or by Better Auth.
// kInvalidArgument for a malformed value, kNotFound for an unknown secret version,
// kUnauthenticated when the tag does not verify (wrong secret or tampered row).
Result<SecureBuffer> UnsealPrivateKey(std::string_view stored, const SecretRing& secrets);

}  // namespace issuer::keys
