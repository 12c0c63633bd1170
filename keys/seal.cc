#include "keys/seal.h"

#include <sodium.h>

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

#include "keys/encoding.h"

namespace issuer::keys {
namespace {

constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::string_view kEnvelope = "$ba$";

using KeyBytes = std::array<unsigned char, crypto_hash_sha256_BYTES>;

KeyBytes DeriveKey(std::string_view secret) {
  KeyBytes key;
  crypto_hash_sha256(key.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size());
  return key;
}

struct Envelope {
  std::optional<int> version;
  std::string_view hex;
};

// Splits "$ba$<version>$<hex>" or plain "<hex>".
Result<Envelope> SplitEnvelope(std::string_view s) {
  if (s.substr(0, kEnvelope.size()) != kEnvelope) return Envelope{std::nullopt, s};
  s.remove_prefix(kEnvelope.size());
  const size_t dollar = s.find('$');
  int version = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + (dollar == s.npos ? 0 : dollar), version);
  if (dollar == s.npos || dollar == 0 || ec != std::errc() || end != s.data() + dollar) {
    return Error{Errc::kInvalidArgument, "malformed $ba$ envelope"};
  }
  return Envelope{version, s.substr(dollar + 1)};
}

Result<std::string> SecretFor(const SecretRing& secrets, std::optional<int> version) {
  if (!version) return secrets.current;
  for (const auto& v : secrets.versions) {
    if (v.version == *version) return v.value;
  }
  return Error{Errc::kNotFound, "no secret for version " + std::to_string(*version)};
}

}  // namespace

Result<std::string> SymmetricEncrypt(std::string_view plaintext, const SecretRing& secrets,
                                     const Random& random) {
  const bool versioned = !secrets.versions.empty();
  KeyBytes key = DeriveKey(versioned ? secrets.versions.front().value : secrets.current);
  std::string blob(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  random(out, kNonceBytes);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out + kNonceBytes, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), nullptr, 0, nullptr, out, key.data());
  sodium_memzero(key.data(), key.size());
  std::string hex = HexEncode(blob);
  if (versioned) {
    hex = std::string(kEnvelope) + std::to_string(secrets.versions.front().version) + "$" + hex;
  }
  return hex;
}

Result<SecureBuffer> SymmetricDecrypt(std::string_view sealed, const SecretRing& secrets) {
  auto envelope = SplitEnvelope(sealed);
  if (!envelope.ok()) return envelope.error();
  auto blob = HexDecode(envelope->hex);
  if (!blob.ok()) return blob.error();
  if (blob->size() < kNonceBytes + kTagBytes) {
    return Error{Errc::kInvalidArgument, "sealed value too short"};
  }
  auto secret = SecretFor(secrets, envelope->version);
  if (!secret.ok()) return secret.error();
  auto plain = SecureBuffer::Allocate(blob->size() - kNonceBytes - kTagBytes);
  if (!plain) return Error{Errc::kInternal, "secure allocation failed"};
  KeyBytes key = DeriveKey(*secret);
  const auto* in = reinterpret_cast<const unsigned char*>(blob->data());
  unsigned long long mlen = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      plain->data(), &mlen, nullptr, in + kNonceBytes, blob->size() - kNonceBytes, nullptr, 0, in,
      key.data());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) return Error{Errc::kUnauthenticated, "sealed value does not decrypt with this secret"};
  return std::move(*plain);
}

Result<std::string> SealPrivateKey(std::string_view plaintext, const SecretRing& secrets,
                                   const Random& random) {
  auto sealed = SymmetricEncrypt(plaintext, secrets, random);
  if (!sealed.ok()) return sealed.error();
  return nlohmann::json(*sealed).dump();
}

Result<SecureBuffer> UnsealPrivateKey(std::string_view stored, const SecretRing& secrets) {
  nlohmann::json parsed = nlohmann::json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_string()) return Error{Errc::kInvalidArgument, "privateKey is not a JSON string"};
  return SymmetricDecrypt(parsed.get_ref<const std::string&>(), secrets);
}

}  // namespace issuer::keys
