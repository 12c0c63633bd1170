// Ed25519 JWKs (keys/jwk.h): ParsePrivateJwk (the unsealed jwks.privateKey) and ParsePublicJwk
// (jwks.publicKey). Input: JSON text.
//
// Properties:
//   - neither parser throws; a failure is kInvalidArgument;
//   - an accepted private JWK is kty OKP, crv Ed25519, its "d" is the canonical base64url of
//     the seed, and its "x", when present, is the key's public key; PrivateJwkJson of the key
//     parses back to the same key;
//   - an accepted public JWK's "x" is the canonical base64url of the key, and PublicJwkJson
//     parses back to the same key.
#include <nlohmann/json.hpp>
#include <string>

#include "keys/encoding.h"
#include "keys/jwk.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using issuer::Errc;
using nlohmann::json;
using namespace issuer::keys;

std::string_view AsBytes(const PublicKey& key) {
  return {reinterpret_cast<const char*>(key.data()), key.size()};
}

bool IsEd25519(const json& jwk) {
  return jwk.is_object() && jwk.value("kty", json()) == "OKP" && jwk.value("crv", json()) == "Ed25519";
}

void CheckPrivate(std::string_view text) {
  auto key = ParsePrivateJwk(text);
  if (!key.ok()) {
    FUZZ_CHECK(key.error().code == Errc::kInvalidArgument);
    return;
  }
  const json jwk = json::parse(text);
  FUZZ_CHECK(IsEd25519(jwk));
  FUZZ_CHECK(jwk.value("d", json()) == Base64UrlEncode(key->seed()));
  if (jwk.contains("x")) FUZZ_CHECK(jwk["x"] == Base64UrlEncode(AsBytes(key->public_key())));
  auto exported = PrivateJwkJson(*key);
  FUZZ_CHECK(exported.ok());
  auto again = ParsePrivateJwk(exported->view());
  FUZZ_CHECK(again.ok() && again->public_key() == key->public_key() &&
             again->seed() == key->seed());
}

void CheckPublic(std::string_view text) {
  auto key = ParsePublicJwk(text);
  if (!key.ok()) {
    FUZZ_CHECK(key.error().code == Errc::kInvalidArgument);
    return;
  }
  const json jwk = json::parse(text);
  FUZZ_CHECK(IsEd25519(jwk));
  FUZZ_CHECK(jwk.value("x", json()) == Base64UrlEncode(AsBytes(*key)));
  auto again = ParsePublicJwk(PublicJwkJson(*key));
  FUZZ_CHECK(again.ok() && *again == *key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const std::string_view text = issuer::fuzz::AsText(data, size);
  FUZZ_NO_THROW(CheckPrivate(text));
  FUZZ_NO_THROW(CheckPublic(text));
  return 0;
}
