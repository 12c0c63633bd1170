#include "keys/totp.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <set>
#include <string>

#include "keys/base32.h"
#include "keys/one_time_codes.h"

namespace issuer::keys {
namespace {

// RFC 6238 Appendix B: the seeds of each hash (ASCII "1234567890" repeated to its key size).
const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

struct Vector {
  int64_t time_s;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};

constexpr Vector kVectors[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},
};

// Bytes start, start+1, ...: a reproducible random source.
Random Counting(unsigned char start) {
  return [start](unsigned char* out, size_t len) mutable {
    for (size_t i = 0; i < len; ++i) out[i] = start++;
  };
}

}  // namespace

TEST_SUITE("keys") {
  TEST_CASE("TOTP: RFC 6238 Appendix B vectors (8 digits, 30 s, SHA-1/256/512)") {
    for (const Vector& v : kVectors) {
      CAPTURE(v.time_s);
      const int64_t now_ms = v.time_s * 1000;
      CHECK(TotpCode(kSeed20, now_ms, {8, 30, OtpHash::kSha1}) == v.sha1);
      CHECK(TotpCode(kSeed32, now_ms, {8, 30, OtpHash::kSha256}) == v.sha256);
      CHECK(TotpCode(kSeed64, now_ms, {8, 30, OtpHash::kSha512}) == v.sha512);
    }
  }

  TEST_CASE("HOTP: RFC 4226 Appendix D vectors (6 digits)") {
    const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                              "254676", "287922", "162583", "399871", "520489"};
    for (uint64_t counter = 0; counter < 10; ++counter) {
      CHECK(HotpCode(kSeed20, counter, 6) == expected[counter]);
    }
  }

  TEST_CASE("TOTP verification accepts the steps either side and nothing further") {
    const int64_t now = 1111111111LL * 1000;
    const TotpParams six{6, 30, OtpHash::kSha1};
    const std::string current = TotpCode(kSeed20, now, six);
    CHECK(current == "050471");  // the vector's last six digits
    CHECK(VerifyTotp(current, kSeed20, now, six));
    CHECK(VerifyTotp(TotpCode(kSeed20, now - 30000, six), kSeed20, now, six));
    CHECK(VerifyTotp(TotpCode(kSeed20, now + 30000, six), kSeed20, now, six));
    CHECK_FALSE(VerifyTotp(TotpCode(kSeed20, now - 60000, six), kSeed20, now, six));
    CHECK_FALSE(VerifyTotp(TotpCode(kSeed20, now + 60000, six), kSeed20, now, six));
    CHECK_FALSE(VerifyTotp(current.substr(0, 5), kSeed20, now, six));
    CHECK_FALSE(VerifyTotp(current + "0", kSeed20, now, six));
    CHECK_FALSE(VerifyTotp("", kSeed20, now, six));
    // Other digits and periods, as totpOptions set them.
    const TotpParams eight60{8, 60, OtpHash::kSha1};
    CHECK(TotpCode(kSeed20, 59000, eight60) == HotpCode(kSeed20, 0, 8));
    CHECK(VerifyTotp(HotpCode(kSeed20, 18518518, 8), kSeed20, now, eight60));
  }

  TEST_CASE("base32: RFC 4648 section 10 vectors, both ways") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},          {"f", "MY======"},         {"fo", "MZXQ===="},
        {"foo", "MZXW6==="}, {"foob", "MZXW6YQ="},    {"fooba", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI======"}};
    for (const auto& [plain, encoded] : vectors) {
      CHECK(Base32Encode(plain, /*padding=*/true) == encoded);
      auto decoded = Base32Decode(encoded);
      REQUIRE(decoded.ok());
      CHECK(*decoded == plain);
    }
    CHECK(Base32Encode("foobar") == "MZXW6YTBOI");  // the otpauth URI's form: no padding
    CHECK_FALSE(Base32Decode("mzxw6").ok());         // lowercase is not the alphabet
    CHECK_FALSE(Base32Decode("MZ1W").ok());
  }

  TEST_CASE("base32 of a Better Auth TOTP secret, as its enable's totpURI shows it") {
    // Seen from Better Auth 1.7.25: the 32-character secret's UTF-8 bytes, base32, no padding.
    CHECK(Base32Encode("NO9-Yp_X3BkvPFBVRQ9WPrVsj5lD4dOp") ==
          "JZHTSLKZOBPVQM2CNN3FARSCKZJFCOKXKBZFM43KGVWEINDEJ5YA");
  }

  TEST_CASE("random strings: Better Auth's alphabets and rejection sampling") {
    // Bytes 0..63 map to the 64-character default alphabet in order.
    CHECK(RandomString(Counting(0), 64, kUrlAlphabet) == std::string(kUrlAlphabet));
    // 62 characters: bytes from 248 are skipped (floor(256/62)*62), 248 % 62 would favour a..h.
    CHECK(RandomString(Counting(246), 4, kAlnumAlphabet) == "YZab");
    // Digits: bytes from 250 are skipped.
    CHECK(RandomString(Counting(249), 3, kDigitAlphabet) == "901");
    const std::string secret = NewTotpSecret(Counting(7));
    CHECK(secret.size() == 32);
    CHECK(secret.find_first_not_of(kUrlAlphabet) == std::string::npos);
    const std::string otp = NewOtp(Counting(3), 6);
    CHECK(otp == "345678");
  }

  TEST_CASE("backup codes: amount codes of length characters, a dash after the fifth") {
    const Random system = [](unsigned char* out, size_t len) { randombytes_buf(out, len); };
    const auto codes = NewBackupCodes(system, 10, 10);
    REQUIRE(codes.size() == 10);
    std::set<std::string> distinct(codes.begin(), codes.end());
    CHECK(distinct.size() == 10);  // 62^10 each: a repeat would mean a broken source
    for (const auto& code : codes) {
      REQUIRE(code.size() == 11);
      CHECK(code[5] == '-');
      CHECK((code.substr(0, 5) + code.substr(6)).find_first_not_of(kAlnumAlphabet) ==
            std::string::npos);
    }
    CHECK(NewBackupCodes(Counting(0), 1, 10)[0] == "abcde-fghij");
    CHECK(NewBackupCodes(Counting(0), 2, 3) == std::vector<std::string>{"abc-", "cde-"});
    CHECK(NewBackupCodes(Counting(0), 1, 12)[0] == "abcde-fghijkl");
  }

  TEST_CASE("OTP hashing: base64url(SHA-256) without padding") {
    // echo -n 123456 | sha256sum, as base64url.
    CHECK(HashOtp("123456") == "jZae727K08KaOmKSgOaGzww_XVqGr_PKEgIMkjrcbJI");
  }
}

}  // namespace issuer::keys
