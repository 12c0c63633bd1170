#include "keys/jwk.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "keys/encoding.h"

namespace issuer::keys {
namespace {

using nlohmann::json;

std::string_view AsBytes(const PublicKey& pk) {
  return {reinterpret_cast<const char*>(pk.data()), pk.size()};
}

bool IsEd25519Jwk(const json& jwk) {
  if (!jwk.is_object()) return false;
  auto kty = jwk.find("kty");
  auto crv = jwk.find("crv");
  return kty != jwk.end() && *kty == "OKP" && crv != jwk.end() && *crv == "Ed25519";
}

Result<PublicKey> DecodeX(const json& jwk) {
  auto it = jwk.find("x");
  if (it == jwk.end() || !it->is_string()) return Error{Errc::kInvalidArgument, "JWK has no x"};
  auto x = Base64UrlDecode(it->get_ref<const std::string&>());
  if (!x.ok() || x->size() != 32) return Error{Errc::kInvalidArgument, "JWK x is not 32 bytes"};
  PublicKey pk;
  std::copy(x->begin(), x->end(), pk.begin());
  return pk;
}

}  // namespace

std::string PublicJwkJson(const PublicKey& public_key) {
  return R"({"crv":"Ed25519","x":")" + Base64UrlEncode(AsBytes(public_key)) +
         R"(","kty":"OKP"})";
}

Result<SecureBuffer> PrivateJwkJson(const SigningKey& key) {
  std::string d = Base64UrlEncode(key.seed());
  ScopedWipe wipe_d(d.data(), d.size());
  std::string text = R"({"crv":"Ed25519","d":")" + d + R"(","x":")" +
                     Base64UrlEncode(AsBytes(key.public_key())) + R"(","kty":"OKP"})";
  ScopedWipe wipe_text(text.data(), text.size());
  auto out = SecureBuffer::CopyOf(text);
  if (!out) return Error{Errc::kInternal, "secure allocation failed"};
  return std::move(*out);
}

Result<SigningKey> ParsePrivateJwk(std::string_view text) {
  json jwk = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!IsEd25519Jwk(jwk)) return Error{Errc::kInvalidArgument, "not an Ed25519 private JWK"};
  auto d_it = jwk.find("d");
  if (d_it == jwk.end() || !d_it->is_string()) {
    return Error{Errc::kInvalidArgument, "JWK has no d"};
  }
  std::string& d_text = d_it->get_ref<std::string&>();
  ScopedWipe wipe_d_text(d_text.data(), d_text.size());
  auto seed = Base64UrlDecode(d_text);
  if (!seed.ok()) return seed.error();
  ScopedWipe wipe_seed(seed->data(), seed->size());
  auto key = SigningKey::FromSeed(*seed);
  if (!key.ok()) return key.error();
  if (jwk.contains("x")) {
    auto x = DecodeX(jwk);
    if (!x.ok()) return x.error();
    if (sodium_memcmp(x->data(), key->public_key().data(), 32) != 0) {
      return Error{Errc::kInvalidArgument, "JWK x does not match d"};
    }
  }
  return key;
}

Result<PublicKey> ParsePublicJwk(std::string_view text) {
  json jwk = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!IsEd25519Jwk(jwk)) return Error{Errc::kInvalidArgument, "not an Ed25519 public JWK"};
  return DecodeX(jwk);
}

std::string Ed25519Thumbprint(const PublicKey& public_key) {
  const std::string members = R"({"crv":"Ed25519","kty":"OKP","x":")" +
                              Base64UrlEncode(std::string_view(
                                  reinterpret_cast<const char*>(public_key.data()), 32)) +
                              "\"}";
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(members.data()),
                     members.size());
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace issuer::keys
