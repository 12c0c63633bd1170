#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/random.h"
#include "common/result.h"
#include "keys/secure_buffer.h"
#include "keys/signer.h"

namespace issuer::keys {

// ECDSA (ES256 on P-256, ES512 on P-521) and RSA (RS256, PS256) keys through OpenSSL 3, in the
// JWK forms Better Auth (jose exportJWK) stores:
//   EC public {"kty","x","y","crv"}, private adds "d";
//   RSA public {"kty","n","e"}, private adds "d","p","q","dp","dq","qi".
// ECDSA signatures are raw R||S of fixed width (RFC 7518 §3.4), not DER. PS256 uses MGF1-SHA-256
// and a 32-byte salt. Private keys live in OpenSSL's EVP_PKEY (freed, and cleared, by it).

// True for the algorithms this file handles.
bool IsOpenSslAlg(std::string_view alg);

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// A private key that signs as `alg`. Signing is thread-safe (a fresh context per call).
class OpenSslSigner final : public Signer {
 public:
  // A new key. `modulus_bits` is for RSA (Better Auth's modulusLength, default 2048).
  // OpenSSL draws from its own CSPRNG: `random` is not used for key material.
  static Result<std::shared_ptr<const OpenSslSigner>> Generate(const std::string& alg,
                                                              std::string kid,
                                                              int modulus_bits = 2048);
  // From a private JWK of `alg`'s key type. kInvalidArgument for anything else.
  static Result<std::shared_ptr<const OpenSslSigner>> FromPrivateJwk(const std::string& alg,
                                                                    std::string kid,
                                                                    std::string_view json);

  const std::string& alg() const override { return alg_; }
  const std::string& kid() const override { return kid_; }
  std::string PublicJwkJson() const override;
  Result<std::string> Sign(std::string_view signing_input) const override;

  // The private JWK (guarded memory), for sealing.
  Result<SecureBuffer> PrivateJwkJson() const;
  // The crv column Better Auth writes: "P-256", "P-521"; none for RSA.
  std::optional<std::string> crv() const;

 private:
  OpenSslSigner(std::string alg, std::string kid, EvpPkeyPtr key)
      : alg_(std::move(alg)), kid_(std::move(kid)), key_(std::move(key)) {}

  std::string alg_;
  std::string kid_;
  EvpPkeyPtr key_;
};

// Verifies a JWS signature (`signature` raw R||S for ECDSA) of `message` with the public JWK
// `public_jwk` under `alg`. False for any malformed input.
bool VerifyWithPublicJwk(const std::string& alg, std::string_view public_jwk,
                         std::string_view message, std::string_view signature);

// The PEM (SubjectPublicKeyInfo) text of a public JWK of `alg` (EdDSA, ES256, ES512, RS256,
// PS256), as `openssl pkey -pubout` writes it: what a verifier confused into HMAC would use as
// its secret (the test API's alg-confusion tokens).
Result<std::string> PublicKeyPem(const std::string& alg, std::string_view public_jwk);

}  // namespace issuer::keys
