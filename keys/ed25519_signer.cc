#include "keys/ed25519_signer.h"

#include "keys/jwk.h"

namespace issuer::keys {

const std::string& Ed25519Signer::alg() const {
  static const std::string alg = kEdDsa;
  return alg;
}

std::string Ed25519Signer::PublicJwkJson() const { return keys::PublicJwkJson(key_.public_key()); }

Result<std::string> Ed25519Signer::Sign(std::string_view signing_input) const {
  return key_.Sign(signing_input);
}

}  // namespace issuer::keys
