// Known answers from RFC 7515 Appendix A.2 (RS256: deterministic, so the signature must match
// byte for byte) and A.3 (ES256: randomised, so the RFC's signature must verify and ours must
// verify with the RFC's public key). The JWS Signing Input is the RFC's, whose header and payload
// carry CR LF line breaks.
#include <doctest/doctest.h>
#include <openssl/pem.h>

#include <string>

#include "keys/encoding.h"
#include "keys/openssl_key.h"

namespace issuer::keys {
namespace {

const std::string kPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

const std::string kRsaJwk =
    R"({"kty":"RSA",)"
    R"("n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",)"
    R"("e":"AQAB",)"
    R"("d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",)"
    R"("p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",)"
    R"("q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",)"
    R"("dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",)"
    R"("dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",)"
    R"("qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";

const std::string kRs256Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L"
    "07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUi"
    "pUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

const std::string kEcJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
    R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
const std::string kEcPublicJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
const std::string kEs256Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

TEST_CASE("RFC 7515 A.2: RS256 signs the example to the RFC's exact signature") {
  const std::string input = "eyJhbGciOiJSUzI1NiJ9." + kPayload;
  auto signer = OpenSslSigner::FromPrivateJwk("RS256", "2010-12-29", kRsaJwk);
  REQUIRE(signer.ok());
  auto signature = (*signer)->Sign(input);
  REQUIRE(signature.ok());
  CHECK(Base64UrlEncode(*signature) == kRs256Signature);
  CHECK(VerifyWithPublicJwk("RS256", (*signer)->PublicJwkJson(), input, *signature));
}

TEST_CASE("RFC 7515 A.3: the RFC's ES256 signature verifies, and ours verifies with its key") {
  const std::string input = "eyJhbGciOiJFUzI1NiJ9." + kPayload;
  auto rfc_signature = Base64UrlDecode(kEs256Signature);
  REQUIRE(rfc_signature.ok());
  CHECK(rfc_signature->size() == 64);  // raw R||S
  CHECK(VerifyWithPublicJwk("ES256", kEcPublicJwk, input, *rfc_signature));
  CHECK_FALSE(VerifyWithPublicJwk("ES256", kEcPublicJwk, input + "x", *rfc_signature));

  auto signer = OpenSslSigner::FromPrivateJwk("ES256", "e9bc097a", kEcJwk);
  REQUIRE(signer.ok());
  auto ours = (*signer)->Sign(input);
  REQUIRE(ours.ok());
  CHECK(ours->size() == 64);
  CHECK(VerifyWithPublicJwk("ES256", kEcPublicJwk, input, *ours));
}

// The PEM must hold the same public key: OpenSSL reads it back and it verifies our signature.
bool PemVerifies(const std::string& pem, const std::string& alg, const std::string& input,
                 const std::string& signature) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, key) == 1;
  if (alg == "PS256") ok = ok && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1;
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                              signature.size(),
                              reinterpret_cast<const unsigned char*>(input.data()),
                              input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

TEST_CASE("PublicKeyPem: the RFC's RSA key as SubjectPublicKeyInfo, read back by OpenSSL") {
  auto signer = OpenSslSigner::FromPrivateJwk("RS256", "2010-12-29", kRsaJwk);
  REQUIRE(signer.ok());
  auto pem = PublicKeyPem("RS256", (*signer)->PublicJwkJson());
  REQUIRE(pem.ok());
  CHECK(pem->rfind("-----BEGIN PUBLIC KEY-----\n", 0) == 0);
  CHECK(pem->find("PRIVATE") == std::string::npos);
  const std::string input = "eyJhbGciOiJSUzI1NiJ9." + kPayload;
  CHECK(PemVerifies(*pem, "RS256", input, *Base64UrlDecode(kRs256Signature)));
  CHECK_FALSE(PublicKeyPem("HS256", (*signer)->PublicJwkJson()).ok());
  CHECK_FALSE(PublicKeyPem("ES256", (*signer)->PublicJwkJson()).ok());  // kty RSA
}

TEST_CASE("PublicKeyPem: an Ed25519 public JWK (RFC 8037 A.2)") {
  const std::string jwk =
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
  auto pem = PublicKeyPem("EdDSA", jwk);
  REQUIRE(pem.ok());
  // RFC 8410 §10.1's SubjectPublicKeyInfo prefix for Ed25519, then the key.
  CHECK(*pem ==
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
        "-----END PUBLIC KEY-----\n");
  CHECK_FALSE(PublicKeyPem("EdDSA", R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})").ok());
}

}  // namespace
}  // namespace issuer::keys
