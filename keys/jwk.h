#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "keys/ed25519.h"
#include "keys/secure_buffer.h"

namespace issuer::keys {

// The public JWK exactly as Better Auth stores it in jwks.publicKey (jose exportJWK order):
// {"crv":"Ed25519","x":"<b64url>","kty":"OKP"}.
std::string PublicJwkJson(const PublicKey& public_key);

// The private JWK as Better Auth seals it: {"crv":"Ed25519","d":"…","x":"…","kty":"OKP"}.
// The result holds the seed: it lives in guarded memory.
Result<SecureBuffer> PrivateJwkJson(const SigningKey& key);

// Parses a private OKP/Ed25519 JWK. Checks kty, crv, that d is a 32-byte seed and, when x is
// present, that it matches the public key derived from d.
Result<SigningKey> ParsePrivateJwk(std::string_view json);

// The RFC 7638 thumbprint of an Ed25519 public key (RFC 8037 §A.3): base64url(SHA-256 of
// {"crv":"Ed25519","kty":"OKP","x":"…"}). A stable kid for imported keys.
std::string Ed25519Thumbprint(const PublicKey& public_key);

// Parses a public OKP/Ed25519 JWK's x.
Result<PublicKey> ParsePublicJwk(std::string_view json);

}  // namespace issuer::keys
