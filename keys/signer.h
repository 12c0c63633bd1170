#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace issuer::keys {

// A private key that signs JWTs, whatever its algorithm. One implementation per algorithm
// (ed25519.h today). Immutable once made; signing is thread-safe.
//   std::shared_ptr<const Signer> s = Ed25519Signer::Make(kid, std::move(key));
//   auto sig = s->Sign(signing_input);   // JWS signature bytes for s->alg()
class Signer {
 public:
  virtual ~Signer() = default;

  // The JWS "alg" this key signs with ("EdDSA", ...).
  virtual const std::string& alg() const = 0;
  // The key id (jwks.id), sent as the JWS "kid".
  virtual const std::string& kid() const = 0;
  // The public JWK as Better Auth stores it in jwks.publicKey.
  virtual std::string PublicJwkJson() const = 0;
  // The raw JWS signature of `signing_input` (for ECDSA: R||S, not DER).
  virtual Result<std::string> Sign(std::string_view signing_input) const = 0;
};

using SignerPtr = std::shared_ptr<const Signer>;

}  // namespace issuer::keys
