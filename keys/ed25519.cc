#include "keys/ed25519.h"

#include <sodium.h>

namespace issuer::keys {

Result<SigningKey> SigningKey::FromSeed(std::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return Error{Errc::kInvalidArgument, "Ed25519 seed must be 32 bytes"};
  }
  auto sk = SecureBuffer::Allocate(crypto_sign_SECRETKEYBYTES);
  if (!sk) return Error{Errc::kInternal, "secure allocation failed"};
  PublicKey pk;
  crypto_sign_seed_keypair(pk.data(), sk->data(),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return SigningKey(pk, std::move(*sk));
}

Result<SigningKey> SigningKey::Generate(const Random& random) {
  auto seed = SecureBuffer::Allocate(crypto_sign_SEEDBYTES);
  if (!seed) return Error{Errc::kInternal, "secure allocation failed"};
  random(seed->data(), seed->size());
  return FromSeed(seed->view());
}

std::string SigningKey::Sign(std::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return sig;
}

bool VerifyEd25519(const PublicKey& public_key, std::string_view message,
                   std::string_view signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), public_key.data()) == 0;
}

}  // namespace issuer::keys
