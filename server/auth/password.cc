#include "server/auth/password.h"

#include <sodium.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>

namespace issuer::server::auth {
namespace {

// @better-auth/utils/password: scrypt N=16384, r=16, p=1, dkLen=64, salt = hex(16 random bytes).
constexpr uint64_t kScryptN = 16384;
constexpr uint32_t kScryptR = 16;
constexpr uint32_t kScryptP = 1;
constexpr size_t kKeyBytes = 64;
constexpr size_t kKeyHexChars = 2 * kKeyBytes;
constexpr size_t kSaltBytes = 16;

using Key = std::array<unsigned char, kKeyBytes>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Zeroes a string's buffer when the scope ends (the plaintext password copy).
class ScopedWipe {
 public:
  explicit ScopedWipe(std::string& s) : s_(s) {}
  ScopedWipe(const ScopedWipe&) = delete;
  ScopedWipe& operator=(const ScopedWipe&) = delete;
  ~ScopedWipe() { sodium_memzero(s_.data(), s_.size()); }

 private:
  std::string& s_;
};

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// password.normalize("NFKC"). Pure ASCII is already NFKC. utf8proc_map is given the length (no
// NULLTERM flag) so an embedded NUL is kept, as in a JS string.
std::string NormalizeNfkc(std::string_view password) {
  if (IsAscii(password)) return std::string(password);
  utf8proc_uint8_t* out = nullptr;
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  const utf8proc_ssize_t n =
      utf8proc_map(Bytes(password), static_cast<utf8proc_ssize_t>(password.size()), &out, options);
  if (n < 0) return std::string(password);  // invalid UTF-8: out is not allocated
  std::string normalized(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  sodium_memzero(out, static_cast<size_t>(n));
  std::free(out);
  return normalized;
}

// Writes scrypt(NFKC(password), salt) into `key`. False only if scrypt fails (allocation).
bool DeriveKey(std::string_view password, std::string_view salt, Key& key) {
  std::string normalized = NormalizeNfkc(password);
  ScopedWipe wipe(normalized);
  return crypto_pwhash_scryptsalsa208sha256_ll(Bytes(normalized), normalized.size(), Bytes(salt),
                                               salt.size(), kScryptN, kScryptR, kScryptP,
                                               key.data(), key.size()) == 0;
}

std::string ToHex(const unsigned char* bin, size_t len) {
  std::string hex(2 * len + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bin, len);
  hex.pop_back();  // the terminating NUL sodium_bin2hex writes
  return hex;
}

// Parses exactly kKeyHexChars hex digits into `key`.
bool ParseKeyHex(std::string_view hex, Key& key) {
  if (hex.size() != kKeyHexChars) return false;
  size_t bin_len = 0;
  const int rc =
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &bin_len, nullptr);
  return rc == 0 && bin_len == key.size();
}

}  // namespace

size_t Utf16Length(std::string_view utf8) {
  size_t units = 0;
  for (char ch : utf8) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xF0 ? 2 : 1;        // 4-byte sequences are surrogate pairs in UTF-16
  }
  return units;
}

std::string HashPasswordWithSalt(std::string_view password, std::string_view salt_hex) {
  Key key{};
  if (!DeriveKey(password, salt_hex, key)) return "";
  std::string stored(salt_hex);
  stored += ':';
  stored += ToHex(key.data(), key.size());
  sodium_memzero(key.data(), key.size());
  return stored;
}

std::string HashPassword(std::string_view password, const Random& random) {
  std::array<unsigned char, kSaltBytes> salt{};
  random(salt.data(), salt.size());
  return HashPasswordWithSalt(password, ToHex(salt.data(), salt.size()));
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  const size_t colon = stored.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  Key expected{};
  if (!ParseKeyHex(stored.substr(colon + 1), expected)) return false;
  Key actual{};
  const bool match = DeriveKey(password, stored.substr(0, colon), actual) &&
                     sodium_memcmp(actual.data(), expected.data(), actual.size()) == 0;
  sodium_memzero(actual.data(), actual.size());
  sodium_memzero(expected.data(), expected.size());
  return match;
}

}  // namespace issuer::server::auth
