#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/random.h"
#include "common/result.h"
#include "keys/secure_buffer.h"

namespace issuer::keys {

using PublicKey = std::array<unsigned char, 32>;

// An Ed25519 key pair whose secret half lives in guarded memory. Move-only. Signing is
// thread-safe (const, no shared mutable state).
//   auto key = SigningKey::FromSeed(seed);
//   std::string sig = key->Sign("message");  // 64 bytes
class SigningKey {
 public:
  // RFC 8037: the JWK "d" is the 32-byte seed. kInvalidArgument if `seed` is not 32 bytes.
  static Result<SigningKey> FromSeed(std::string_view seed);
  static Result<SigningKey> Generate(const Random& random);

  const PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed, for sealing into the private JWK. Points into guarded memory.
  std::string_view seed() const { return secret_.view().substr(0, 32); }
  // Detached 64-byte signature.
  std::string Sign(std::string_view message) const;

 private:
  SigningKey(PublicKey pk, SecureBuffer sk) : public_key_(pk), secret_(std::move(sk)) {}

  PublicKey public_key_;
  SecureBuffer secret_;  // libsodium's 64-byte secret key (seed || public key)
};

// True if `signature` (must be exactly 64 bytes) is a valid Ed25519 signature of `message`.
bool VerifyEd25519(const PublicKey& public_key, std::string_view message,
                   std::string_view signature);

}  // namespace issuer::keys
