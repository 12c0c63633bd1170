#pragma once

#include <openssl/evp.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
struct EvpMdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
using EvpMdPtr = std::unique_ptr<EVP_MD, EvpMdFree>;

// A private key that signs as `alg`. Signing is thread-safe: each call hashes the input with
// the digest fetched once, then signs with a signing context of its own, taken from a small
// pool of contexts set up once (OpenSSL 3's per-call init fetches the algorithms by name under
// a global lock: a fifth of an ES256 signature's time, more under contention).
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
  OpenSslSigner(std::string alg, std::string kid, EvpPkeyPtr key);

  // A context ready for EVP_PKEY_sign: an idle one from the pool, else a new one.
  Result<EvpPkeyCtxPtr> TakeContext() const;
  // Back to the pool after a successful signature (one that failed is dropped).
  void ReturnContext(EvpPkeyCtxPtr ctx) const;

  std::string alg_;
  std::string kid_;
  EvpPkeyPtr key_;
  EvpMdPtr digest_;  // null if OpenSSL could not fetch it: Sign then fails
  mutable std::mutex pool_mu_;
  mutable std::vector<EvpPkeyCtxPtr> pool_;  // guarded by pool_mu_
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
