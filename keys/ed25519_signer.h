#pragma once

#include <string>

#include "keys/ed25519.h"
#include "keys/signer.h"

namespace issuer::keys {

// JWS "alg" of Ed25519 keys (RFC 8037), and the default algorithm of Better Auth's jwt plugin.
inline constexpr char kEdDsa[] = "EdDSA";

// The Signer for an Ed25519 key (RFC 8037: alg EdDSA, kty OKP, crv Ed25519).
class Ed25519Signer final : public Signer {
 public:
  Ed25519Signer(std::string kid, SigningKey key) : kid_(std::move(kid)), key_(std::move(key)) {}

  const std::string& alg() const override;
  const std::string& kid() const override { return kid_; }
  std::string PublicJwkJson() const override;
  Result<std::string> Sign(std::string_view signing_input) const override;

  const SigningKey& key() const { return key_; }

 private:
  std::string kid_;
  SigningKey key_;
};

}  // namespace issuer::keys
