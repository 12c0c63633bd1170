#include "keys/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cmath>

namespace issuer::keys {
namespace {

const EVP_MD* Digest(OtpHash hash) {
  switch (hash) {
    case OtpHash::kSha256: return EVP_sha256();
    case OtpHash::kSha512: return EVP_sha512();
    case OtpHash::kSha1: break;
  }
  return EVP_sha1();
}

// Loops over the expected code's length, so timing never depends on where they differ.
bool SameCode(std::string_view input, std::string_view expected) {
  unsigned difference = static_cast<unsigned>(input.size() ^ expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char a = i < input.size() ? static_cast<unsigned char>(input[i]) : 0;
    difference |= a ^ static_cast<unsigned char>(expected[i]);
  }
  return difference == 0;
}

}  // namespace

std::string HotpCode(std::string_view key, uint64_t counter, int digits, OtpHash hash) {
  std::array<unsigned char, 8> message;
  for (int i = 7; i >= 0; --i) {  // RFC 4226 §5.2: the counter big-endian
    message[static_cast<size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac;
  unsigned int mac_len = 0;
  HMAC(Digest(hash), key.data(), static_cast<int>(key.size()), message.data(), message.size(),
       mac.data(), &mac_len);
  // RFC 4226 §5.3 dynamic truncation.
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::string TotpCode(std::string_view key, int64_t now_ms, const TotpParams& params) {
  const int64_t step_ms = params.period_s * 1000;
  const auto counter = static_cast<uint64_t>(now_ms / step_ms);
  return HotpCode(key, counter, params.digits, params.hash);
}

bool VerifyTotp(std::string_view code, std::string_view key, int64_t now_ms,
                const TotpParams& params, int window) {
  const int64_t counter = now_ms / (params.period_s * 1000);
  bool matched = false;
  for (int64_t i = -window; i <= window; ++i) {
    const std::string expected =
        HotpCode(key, static_cast<uint64_t>(counter + i), params.digits, params.hash);
    matched = SameCode(code, expected) || matched;
  }
  return matched;
}

}  // namespace issuer::keys
