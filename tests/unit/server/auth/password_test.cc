#include "server/auth/password.h"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>

namespace issuer::server::auth {
namespace {

// Security notes §2.4; also reproduced with Node crypto.scryptSync and Python hashlib.scrypt.
constexpr const char* kKatSalt = "000102030405060708090a0b0c0d0e0f";
constexpr const char* kKatHash =
    "000102030405060708090a0b0c0d0e0f:eedf8cd62212c4ef27d18a5f1f23f875e2571a8d6bc3cea577255d2cfe87"
    "29d8d4646badd72958bccbc96ef736af3a9cc0a4735cee8541bee27d392aeafffc3c";
// Node: scryptSync("\u212B".normalize("NFKC"), kKatSalt, 64, {N:16384, r:16, p:1}).
constexpr const char* kAngstromKey =
    "98bc0391b4c5e0cc1bef6102209f3a03141a08cdbcfde2f55172c22c5756989b9505b8cf7e20578f0f78b4c692ff"
    "3d46f218c6a53d2a564c8d482a147d60ae9a";

// Deterministic Random: bytes 0, 1, 2, ...
void CountingRandom(unsigned char* out, size_t len) {
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(i);
}

TEST_SUITE("auth.password") {
  TEST_CASE("Utf16Length counts UTF-16 code units like JS .length") {
    CHECK(Utf16Length("") == 0);
    CHECK(Utf16Length("password") == 8);
    CHECK(Utf16Length("\xC3\xA9") == 1);                               // é
    CHECK(Utf16Length("\xE2\x82\xAC") == 1);                           // €
    CHECK(Utf16Length("\xF0\x9F\x98\x80") == 2);                       // 😀
    CHECK(Utf16Length("a\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9") == 5);  // Node: 5
    CHECK(Utf16Length("\xF4\x8F\xBF\xBF") == 2);                       // U+10FFFF
    CHECK(Utf16Length(std::string("a\0b", 3)) == 3);
  }

  TEST_CASE("HashPasswordWithSalt matches the known answer") {
    CHECK(HashPasswordWithSalt("password123", kKatSalt) == kKatHash);
  }

  TEST_CASE("HashPassword draws a 16-byte salt and hex-encodes it as the salt string") {
    const std::string stored = HashPassword("password123", CountingRandom);
    CHECK(stored == kKatHash);
  }

  TEST_CASE("HashPassword output has the stored format") {
    unsigned char fill = 0xAB;
    const Random constant = [&fill](unsigned char* out, size_t len) {
      for (size_t i = 0; i < len; ++i) out[i] = fill;
    };
    const std::string stored = HashPassword("hunter22", constant);
    REQUIRE(stored.size() == 32 + 1 + 128);
    CHECK(stored.substr(0, 33) == "abababababababababababababababab:");
    CHECK(stored.find_first_not_of("0123456789abcdef:") == std::string::npos);
    CHECK(VerifyPassword("hunter22", stored));
  }

  TEST_CASE("NFKC: U+212B, U+00C5 and A+U+030A hash identically") {
    const std::string angstrom_sign = HashPasswordWithSalt("\xE2\x84\xAB", kKatSalt);
    CHECK(angstrom_sign == std::string(kKatSalt) + ":" + kAngstromKey);
    CHECK(HashPasswordWithSalt("\xC3\x85", kKatSalt) == angstrom_sign);
    CHECK(HashPasswordWithSalt("A\xCC\x8A", kKatSalt) == angstrom_sign);
    CHECK(VerifyPassword("\xC3\x85", angstrom_sign));
    // Compatibility mappings: U+FB01 (fi ligature) is "fi"; fullwidth A is A.
    CHECK(HashPasswordWithSalt("\xEF\xAC\x81", kKatSalt) == HashPasswordWithSalt("fi", kKatSalt));
    CHECK(HashPasswordWithSalt("\xEF\xBC\xA1", kKatSalt) == HashPasswordWithSalt("A", kKatSalt));
  }

  TEST_CASE("embedded NUL is part of the password") {
    const std::string with_nul("\xC3\xA9\0x", 4);
    CHECK(HashPasswordWithSalt(with_nul, kKatSalt) != HashPasswordWithSalt("\xC3\xA9", kKatSalt));
    CHECK(HashPasswordWithSalt(std::string("ab\0c", 4), kKatSalt) !=
          HashPasswordWithSalt("ab", kKatSalt));
  }

  TEST_CASE("VerifyPassword accepts the right password only") {
    CHECK(VerifyPassword("password123", kKatHash));
    CHECK_FALSE(VerifyPassword("password124", kKatHash));
    CHECK_FALSE(VerifyPassword("Password123", kKatHash));
    CHECK_FALSE(VerifyPassword("", kKatHash));
  }

  TEST_CASE("VerifyPassword reads upper-case key hex like Buffer.from(hex)") {
    std::string upper = kKatHash;
    for (size_t i = 33; i < upper.size(); ++i) {
      if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = static_cast<char>(upper[i] - 32);
    }
    CHECK(VerifyPassword("password123", upper));
  }

  TEST_CASE("VerifyPassword rejects a tampered salt or key") {
    const std::string good = kKatHash;
    for (size_t pos : {size_t{0}, size_t{31}, size_t{33}, size_t{96}, good.size() - 1}) {
      std::string bad = good;
      bad[pos] = bad[pos] == '0' ? '1' : '0';
      CAPTURE(pos);
      CHECK_FALSE(VerifyPassword("password123", bad));
    }
  }

  TEST_CASE("VerifyPassword rejects malformed stored values") {
    const std::string key = std::string(kKatHash).substr(33);
    CHECK_FALSE(VerifyPassword("password123", ""));
    CHECK_FALSE(VerifyPassword("password123", ":"));
    CHECK_FALSE(VerifyPassword("password123", "no-colon-here"));
    CHECK_FALSE(VerifyPassword("password123", std::string(kKatSalt) + ":"));
    CHECK_FALSE(VerifyPassword("password123", ":" + key));
    CHECK_FALSE(VerifyPassword("password123", std::string(kKatSalt) + ":" + key.substr(1)));
    CHECK_FALSE(VerifyPassword("password123", std::string(kKatHash) + "00"));
    CHECK_FALSE(VerifyPassword("password123", std::string(kKatHash) + ":x"));
    std::string non_hex = kKatHash;
    non_hex[40] = 'g';
    CHECK_FALSE(VerifyPassword("password123", non_hex));
  }
}

}  // namespace
}  // namespace issuer::server::auth
