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

// Better Auth's symmetricEncrypt: XChaCha20-Poly1305 under SHA-256(secret), random 24-byte
// nonce, no associated data, as lowercase hex(nonce || ciphertext || tag). With versioned
// secrets the hex carries the "$ba$<version>$" envelope of the newest version. Two-factor
// stores its TOTP secrets and backup codes this way.
Result<std::string> SymmetricEncrypt(std::string_view plaintext, const SecretRing& secrets,
                                     const Random& random);

// Better Auth's symmetricDecrypt of a value SymmetricEncrypt (or Better Auth) wrote.
// kInvalidArgument for a malformed value, kNotFound for an unknown secret version,
// kUnauthenticated when the tag does not verify (wrong secret or tampered row).
Result<SecureBuffer> SymmetricDecrypt(std::string_view sealed, const SecretRing& secrets);

// A jwks.privateKey value: the JSON string of SymmetricEncrypt(plaintext), as the jwt plugin
// stores it.
Result<std::string> SealPrivateKey(std::string_view plaintext, const SecretRing& secrets,
                                   const Random& random);

// Opens a jwks.privateKey value written by SealPrivateKey or by Better Auth (errors as
// SymmetricDecrypt's, and kInvalidArgument when it is not a JSON string).
Result<SecureBuffer> UnsealPrivateKey(std::string_view stored, const SecretRing& secrets);

}  // namespace issuer::keys
