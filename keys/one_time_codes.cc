#include "keys/one_time_codes.h"

#include <algorithm>
#include <array>

#include <sodium.h>

#include "keys/encoding.h"

namespace issuer::keys {

std::string RandomString(const Random& random, size_t length, std::string_view alphabet) {
  const size_t n = alphabet.size();
  const size_t max_valid = (256 / n) * n;
  std::string out;
  out.reserve(length);
  std::array<unsigned char, 64> buf;
  while (out.size() < length) {
    random(buf.data(), buf.size());
    for (unsigned char b : buf) {
      if (b >= max_valid) continue;
      out.push_back(alphabet[b % n]);
      if (out.size() == length) break;
    }
  }
  return out;
}

std::string NewTotpSecret(const Random& random) { return RandomString(random, 32, kUrlAlphabet); }

std::string NewOtp(const Random& random, size_t digits) {
  return RandomString(random, digits, kDigitAlphabet);
}

std::vector<std::string> NewBackupCodes(const Random& random, size_t amount, size_t length) {
  std::vector<std::string> codes;
  codes.reserve(amount);
  for (size_t i = 0; i < amount; ++i) {
    const std::string code = RandomString(random, length, kAlnumAlphabet);
    codes.push_back(code.substr(0, 5) + "-" + code.substr(std::min<size_t>(5, code.size())));
  }
  return codes;
}

std::string HashOtp(std::string_view otp) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(otp.data()),
                     otp.size());
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()),
                                          digest.size()));
}

}  // namespace issuer::keys
