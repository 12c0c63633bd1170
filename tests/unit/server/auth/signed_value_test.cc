#include "server/auth/signed_value.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstddef>
#include <string>

namespace issuer::server::auth {
namespace {

// Security notes §2.4 (cross-checked here with Node crypto.createHmac(...).digest("base64")).
constexpr const char* kSecret = "better-auth-secret-123456789012345678901234567890";
constexpr const char* kToken = "abcdefghijklmnopqrstuvwxyzABCDEF";
constexpr const char* kSig = "OFkFZ1pNR49GziQ/bF5PlWCQ/Hy/g7jGNfO+GUDRY4c=";
constexpr const char* kSigUrl =
    "OFkFZ1pNR49GziQ_bF5PlWCQ_Hy_g7jGNfO-GUDRY4c";  // digest("base64url")
constexpr const char* kWire =
    "abcdefghijklmnopqrstuvwxyzABCDEF.OFkFZ1pNR49GziQ%2FbF5PlWCQ%2FHy%2Fg7jGNfO%2BGUDRY4c%3D";

std::string Hex(const HmacSha256Digest& mac) {
  std::string hex(2 * mac.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  hex.pop_back();
  return hex;
}

std::string Signed(std::string_view sig) { return std::string(kToken) + "." + std::string(sig); }

TEST_SUITE("auth.signed_value") {
  TEST_CASE("HmacSha256 matches RFC 4231") {
    // Test case 2: a short key.
    CHECK(Hex(HmacSha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 6: a 131-byte key, hashed first.
    CHECK(Hex(HmacSha256(std::string(131, '\xAA'),
                         "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }

  TEST_CASE("SignValue matches the Better Auth known answer") {
    CHECK(SignValue(kToken, kSecret) == Signed(kSig));
    CHECK(EncodeUriComponent(SignValue(kToken, kSecret)) == kWire);
  }

  TEST_CASE("SignValue keys HMAC with the secret's UTF-8 bytes, any length") {
    // Node: createHmac("sha256", secret).update(value).digest("base64").
    CHECK(SignValue("value", std::string(100, 'k')) ==
          "value.kTnI7SE6PgZqiL8/zBqbK3q4T98osrfX1rjbkfI1CIY=");
    CHECK(SignValue("t\xC3\xB6k\xC3\xA9n", "s\xC3\xA9\x63ret\xE2\x82\xAC") ==
          "t\xC3\xB6k\xC3\xA9n.laZZuIa8S1XWB5NsAcTwIY2e2TnbWR1Hlp/77dOL01g=");
  }

  TEST_CASE("VerifySignedValue accepts the genuine value, raw or after URI-decoding") {
    CHECK(VerifySignedValue(Signed(kSig), kSecret) == std::optional<std::string>(kToken));
    const auto decoded = DecodeUriComponent(kWire);
    REQUIRE(decoded);
    CHECK(VerifySignedValue(*decoded, kSecret) == std::optional<std::string>(kToken));
    CHECK(VerifySignedValue(Signed(kSig), kSecret, true) == std::optional<std::string>(kToken));
  }

  TEST_CASE("VerifySignedValue splits at the last dot") {
    const std::string signed_value = SignValue("a.b.c", kSecret);
    CHECK(VerifySignedValue(signed_value, kSecret) == std::optional<std::string>("a.b.c"));
  }

  TEST_CASE("VerifySignedValue rejects an empty value, like better-call") {
    const std::string empty_signed = SignValue("", kSecret);
    REQUIRE(empty_signed.front() == '.');
    CHECK_FALSE(VerifySignedValue(empty_signed, kSecret));
    CHECK_FALSE(VerifySignedValue(empty_signed, kSecret, true));
  }

  TEST_CASE("VerifySignedValue rejects a wrong secret") {
    CHECK_FALSE(
        VerifySignedValue(Signed(kSig), "better-auth-secret-123456789012345678901234567891"));
    CHECK_FALSE(VerifySignedValue(Signed(kSig), ""));
  }

  TEST_CASE("VerifySignedValue rejects malformed signatures") {
    const std::string sig = kSig;
    CHECK_FALSE(VerifySignedValue(kToken, kSecret));                           // no dot
    CHECK_FALSE(VerifySignedValue(std::string(kToken) + ".", kSecret));        // empty sig
    CHECK_FALSE(VerifySignedValue(Signed(sig.substr(1)), kSecret));            // 43 chars
    CHECK_FALSE(VerifySignedValue(Signed(sig + "A"), kSecret));                // 45 chars
    CHECK_FALSE(VerifySignedValue(Signed(sig + "="), kSecret));                // 45 chars
    CHECK_FALSE(VerifySignedValue(Signed(sig.substr(0, 43)), kSecret));        // missing '='
    CHECK_FALSE(VerifySignedValue(Signed(sig.substr(0, 43) + "A"), kSecret));  // no '=' at end
    // Same 32 bytes with non-zero trailing bits: atob would take it, we do not.
    CHECK_FALSE(VerifySignedValue(Signed("OFkFZ1pNR49GziQ/bF5PlWCQ/Hy/g7jGNfO+GUDRY4d="), kSecret));
    CHECK_FALSE(
        VerifySignedValue(Signed("OFkFZ1pNR49GziQ/bF5PlWCQ/Hy/g7jGNfO+GUDRY4d="), kSecret, true));
    CHECK_FALSE(VerifySignedValue(Signed("OFkFZ1pNR49GziQ/bF5PlWCQ/Hy/g7jGNfO+GUDRY4=="), kSecret));
    CHECK_FALSE(VerifySignedValue(Signed("OFkFZ1pNR49GziQ/bF5PlWCQ/Hy/g7jGNfO+GUDRY4 ="), kSecret));
  }

  TEST_CASE("cookie mode accepts only the padded standard alphabet") {
    CHECK_FALSE(VerifySignedValue(Signed(kSigUrl), kSecret));
    CHECK_FALSE(VerifySignedValue(Signed(std::string(kSigUrl) + "="), kSecret));
  }

  TEST_CASE("bearer mode also accepts base64url and unpadded spellings") {
    const std::optional<std::string> token(kToken);
    const std::string sig = kSig;
    CHECK(VerifySignedValue(Signed(kSigUrl), kSecret, true) == token);
    CHECK(VerifySignedValue(Signed(std::string(kSigUrl) + "="), kSecret, true) == token);
    CHECK(VerifySignedValue(Signed(sig.substr(0, 43)), kSecret, true) == token);
    // Mixed alphabets: @better-auth/utils throws on them.
    CHECK_FALSE(
        VerifySignedValue(Signed("OFkFZ1pNR49GziQ/bF5PlWCQ_Hy_g7jGNfO-GUDRY4c"), kSecret, true));
    CHECK_FALSE(VerifySignedValue(Signed(std::string(kSigUrl) + "=="), kSecret, true));
    CHECK_FALSE(VerifySignedValue(Signed(sig.substr(0, 42)), kSecret, true));
    CHECK_FALSE(VerifySignedValue(Signed(kSigUrl), "wrong-secret", true));
  }

  TEST_CASE("every single-bit change of the signed text is rejected") {
    const std::string good = Signed(kSig);
    for (bool url : {false, true}) {
      for (size_t i = 0; i < good.size(); ++i) {
        for (int bit = 0; bit < 7; ++bit) {
          std::string bad = good;
          bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
          CAPTURE(i);
          CAPTURE(bit);
          CHECK_FALSE(VerifySignedValue(bad, kSecret, url));
        }
      }
    }
  }

  TEST_CASE("every character substitution of the signature is rejected") {
    const std::string good = Signed(kSig);
    const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=";
    for (size_t i = good.size() - 44; i < good.size(); ++i) {
      for (char c : alphabet) {
        if (c == good[i]) continue;
        std::string bad = good;
        bad[i] = c;
        CAPTURE(bad);
        CHECK_FALSE(VerifySignedValue(bad, kSecret));
        CHECK_FALSE(VerifySignedValue(bad, kSecret, true));
      }
    }
  }

  // libsodium 1.0.18 decodes any byte >= 0x80 as the 63rd base64 character ('/' or '_'), so
  // without a check each '/' of kSig had 128 more spellings (found by fuzz_cookie_header).
  TEST_CASE("a byte >= 0x80 in place of '/' or '_' is rejected") {
    for (int b = 0x80; b <= 0xff; ++b) {
      const char high = static_cast<char>(b);
      std::string sig = kSig;
      sig[sig.find('/')] = high;
      std::string url = kSigUrl;
      url[url.find('_')] = high;
      CAPTURE(b);
      CHECK_FALSE(VerifySignedValue(Signed(sig), kSecret));
      CHECK_FALSE(VerifySignedValue(Signed(sig), kSecret, true));
      CHECK_FALSE(VerifySignedValue(Signed(url), kSecret, true));
    }
  }

  // Expected outputs from Node 20 encodeURIComponent / decodeURIComponent.
  TEST_CASE("a value verified once is not accepted under another secret or a stricter mode") {
    // The thread remembers values it verified (signed_value.cc); what it remembers must not
    // outlive the secret, nor carry a bearer spelling over to a cookie.
    REQUIRE(VerifySignedValue(Signed(kSig), kSecret) == kToken);
    REQUIRE(VerifySignedValue(Signed(kSig), kSecret) == kToken);
    CHECK_FALSE(VerifySignedValue(Signed(kSig), "another-secret-123456789012345678901234567890"));
    CHECK(VerifySignedValue(Signed(kSig), kSecret) == kToken);
    REQUIRE(VerifySignedValue(Signed(kSigUrl), kSecret, /*allow_base64url=*/true) == kToken);
    REQUIRE(VerifySignedValue(Signed(kSigUrl), kSecret, /*allow_base64url=*/true) == kToken);
    CHECK_FALSE(VerifySignedValue(Signed(kSigUrl), kSecret));
  }

  TEST_CASE("many remembered values never make a forged one pass") {
    // More values than the thread remembers, each verified twice, then each with its last
    // signature character changed: the forgeries share the genuine values' slots.
    const std::string secret = kSecret;
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 200; ++i) {
        const std::string value = "token-" + std::to_string(i);
        const std::string genuine = SignValue(value, secret);
        CHECK(VerifySignedValue(genuine, secret) == value);
        std::string forged = genuine;
        forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
        CHECK_FALSE(VerifySignedValue(forged, secret));
      }
    }
  }

  TEST_CASE("EncodeUriComponent matches JS") {
    CHECK(EncodeUriComponent("abc-_.!~*'()") == "abc-_.!~*'()");
    CHECK(EncodeUriComponent("ABCxyz019") == "ABCxyz019");
    CHECK(EncodeUriComponent("a b+c/d=e?&#") == "a%20b%2Bc%2Fd%3De%3F%26%23");
    CHECK(EncodeUriComponent("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") ==
          "%C3%A9%E2%82%AC%F0%9F%98%80");
    CHECK(EncodeUriComponent(std::string("\0", 1)) == "%00");
    CHECK(EncodeUriComponent("%") == "%25");
    CHECK(EncodeUriComponent("") == "");
  }

  TEST_CASE("DecodeUriComponent matches JS, nullopt where JS throws URIError") {
    CHECK(DecodeUriComponent("%41") == std::optional<std::string>("A"));
    CHECK(DecodeUriComponent("%C3%A9") == std::optional<std::string>("\xC3\xA9"));
    CHECK(DecodeUriComponent("%e2%82%ac") == std::optional<std::string>("\xE2\x82\xAC"));
    CHECK(DecodeUriComponent("%F0%9F%98%80") == std::optional<std::string>("\xF0\x9F\x98\x80"));
    CHECK(DecodeUriComponent("a%2Fb") == std::optional<std::string>("a/b"));
    CHECK(DecodeUriComponent("+") == std::optional<std::string>("+"));
    CHECK(DecodeUriComponent("\xC3\xA9") == std::optional<std::string>("\xC3\xA9"));
    CHECK(DecodeUriComponent("") == std::optional<std::string>(""));
    for (const char* bad : {"%", "%4", "%zz", "%C3", "%FF", "%ED%A0%80", "%C0%80", "%F4%90%80%80",
                            "%E2%82", "abc%", "%%41"}) {
      CAPTURE(bad);
      CHECK_FALSE(DecodeUriComponent(bad));
    }
  }

  TEST_CASE("URI encoding round-trips arbitrary UTF-8") {
    const std::string text = "tok\xC3\xA9n.sig/+=%&;\xF0\x9F\x98\x80";
    CHECK(DecodeUriComponent(EncodeUriComponent(text)) == std::optional<std::string>(text));
  }
}

}  // namespace
}  // namespace issuer::server::auth
