#include "keys/encoding.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace issuer::keys {
namespace {

// A reproducible byte stream (xorshift32), so failures are repeatable.
std::string PseudoRandomBytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return out;
}

bool DecodeFails(std::string_view text) {
  auto r = Base64UrlDecode(text);
  return !r.ok() && r.error().code == Errc::kInvalidArgument;
}

bool HexDecodeFails(std::string_view text) {
  auto r = HexDecode(text);
  return !r.ok() && r.error().code == Errc::kInvalidArgument;
}

}  // namespace

TEST_SUITE("encoding") {
  TEST_CASE("base64url encodes the RFC 4648 section 10 vectors without padding") {
    CHECK(Base64UrlEncode("") == "");
    CHECK(Base64UrlEncode("f") == "Zg");
    CHECK(Base64UrlEncode("fo") == "Zm8");
    CHECK(Base64UrlEncode("foo") == "Zm9v");
    CHECK(Base64UrlEncode("foob") == "Zm9vYg");
    CHECK(Base64UrlEncode("fooba") == "Zm9vYmE");
    CHECK(Base64UrlEncode("foobar") == "Zm9vYmFy");
  }

  TEST_CASE("base64url uses '-' and '_' for values 62 and 63") {
    CHECK(Base64UrlEncode(std::string("\xfb\xef\xbe", 3)) == "----");
    CHECK(Base64UrlEncode(std::string("\xff\xff\xff", 3)) == "____");
    CHECK(Base64UrlEncode(std::string("\xfb\xff", 2)) == "-_8");
    CHECK(Base64UrlEncode(std::string("\x00", 1)) == "AA");
    CHECK(Base64UrlEncode(std::string("\x00\x00\x00", 3)) == "AAAA");
  }

  TEST_CASE("base64url decodes the RFC 4648 vectors") {
    CHECK(*Base64UrlDecode("") == "");
    CHECK(*Base64UrlDecode("Zg") == "f");
    CHECK(*Base64UrlDecode("Zm8") == "fo");
    CHECK(*Base64UrlDecode("Zm9v") == "foo");
    CHECK(*Base64UrlDecode("Zm9vYg") == "foob");
    CHECK(*Base64UrlDecode("Zm9vYmE") == "fooba");
    CHECK(*Base64UrlDecode("Zm9vYmFy") == "foobar");
    CHECK(*Base64UrlDecode("-_8") == std::string("\xfb\xff", 2));
    CHECK(*Base64UrlDecode("____") == std::string("\xff\xff\xff", 3));
  }

  TEST_CASE("base64url decode is strict") {
    SUBCASE("padding") {
      CHECK(DecodeFails("Zg=="));
      CHECK(DecodeFails("Zm8="));
      CHECK(DecodeFails("="));
      CHECK(DecodeFails("Zm9v===="));
    }
    SUBCASE("standard alphabet characters") {
      CHECK(DecodeFails("+_8"));
      CHECK(DecodeFails("-/8"));
      CHECK(DecodeFails("++++"));
      CHECK(DecodeFails("////"));
    }
    SUBCASE("whitespace and other bytes") {
      CHECK(DecodeFails(" Zm9v"));
      CHECK(DecodeFails("Zm9v "));
      CHECK(DecodeFails("Zm\n9v"));
      CHECK(DecodeFails("Zm9v\t"));
      CHECK(DecodeFails("Zm9v.Zg"));
      CHECK(DecodeFails(std::string_view("Zm\09v", 5)));
      CHECK(DecodeFails("Zm9v\xc3\xa9"));
    }
    SUBCASE("bytes >= 0x80, which libsodium 1.0.18 reads as '_' (found by fuzz_base64url)") {
      REQUIRE(*Base64UrlDecode("____") == "\xff\xff\xff");
      CHECK(DecodeFails("\x8a\xba\x9b\xb9"));
      for (int b = 0x80; b <= 0xff; ++b) {
        CAPTURE(b);
        CHECK(DecodeFails("AAA" + std::string(1, static_cast<char>(b))));
      }
    }
    SUBCASE("impossible lengths") {
      CHECK(DecodeFails("A"));
      CHECK(DecodeFails("Zm9vY"));
    }
    SUBCASE("non-canonical trailing bits") {
      // One byte = 8 bits in two characters (12 bits): the low 4 bits must be zero.
      CHECK(*Base64UrlDecode("AA") == std::string(1, '\0'));
      CHECK(*Base64UrlDecode("AQ") == std::string(1, '\x01'));  // 000000 010000
      CHECK(DecodeFails("AB"));
      CHECK(DecodeFails("AR"));
      CHECK(DecodeFails("Zh"));  // "Zg" is 'f'
      // Two bytes = 16 bits in three characters (18 bits): the low 2 bits must be zero.
      CHECK(*Base64UrlDecode("Zm8") == "fo");
      CHECK(DecodeFails("Zm9"));
      CHECK(DecodeFails("Zm-"));
    }
  }

  TEST_CASE("base64url round trips every length from 0 to 64") {
    for (size_t n = 0; n <= 64; ++n) {
      CAPTURE(n);
      const std::string bytes = PseudoRandomBytes(n, static_cast<uint32_t>(n * 2654435761u + 1));
      const std::string text = Base64UrlEncode(bytes);
      CHECK(text.size() == (n * 4 + 2) / 3);
      CHECK(text.find_first_of("=+/") == std::string::npos);
      auto back = Base64UrlDecode(text);
      REQUIRE(back.ok());
      CHECK(*back == bytes);
    }
  }

  TEST_CASE("hex encodes lowercase and decodes either case") {
    CHECK(HexEncode("") == "");
    CHECK(HexEncode(std::string("\x00\x01\x7f\x80\xab\xff", 6)) == "00017f80abff");
    CHECK(HexEncode("foobar") == "666f6f626172");
    CHECK(*HexDecode("") == "");
    CHECK(*HexDecode("00017f80abff") == std::string("\x00\x01\x7f\x80\xab\xff", 6));
    CHECK(*HexDecode("00017F80ABFF") == std::string("\x00\x01\x7f\x80\xab\xff", 6));
    CHECK(*HexDecode("aBcD") == "\xab\xcd");
  }

  TEST_CASE("hex decode rejects odd length and non-hex characters") {
    CHECK(HexDecodeFails("a"));
    CHECK(HexDecodeFails("abc"));
    CHECK(HexDecodeFails("0g"));
    CHECK(HexDecodeFails("zz"));
    CHECK(HexDecodeFails("00 1"));
    CHECK(HexDecodeFails(" 001"));
    CHECK(HexDecodeFails("0:01"));
    CHECK(HexDecodeFails("00-1"));
    CHECK(HexDecodeFails(std::string_view("0\0", 2)));
  }

  TEST_CASE("hex round trips random bytes") {
    for (size_t n = 0; n <= 40; ++n) {
      const std::string bytes = PseudoRandomBytes(n, static_cast<uint32_t>(n + 7));
      const std::string text = HexEncode(bytes);
      CHECK(text.size() == 2 * n);
      CHECK(text.find_first_not_of("0123456789abcdef") == std::string::npos);
      CHECK(*HexDecode(text) == bytes);
    }
  }
}

TEST_CASE("AppendBase64UrlPublic writes Base64UrlEncode's text after what is there") {
  for (size_t n = 0; n < 200; ++n) {
    const std::string bytes = PseudoRandomBytes(n, static_cast<uint32_t>(n + 7));
    std::string out = "prefix.";
    AppendBase64UrlPublic(bytes, &out);
    CHECK(out == "prefix." + Base64UrlEncode(bytes));
  }
}

}  // namespace issuer::keys
