#include "keys/ed25519.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "keys/encoding.h"
#include "keys/jwk.h"
#include "keys/jws.h"

namespace issuer::keys {
namespace {

// RFC 8037 Appendix A (= RFC 8032 section 7.1 TEST 1 key).
constexpr char kSeedB64[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr char kPublicB64[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr char kSeedHex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kPublicHex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr char kSigningInput[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr char kSignatureB64[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
constexpr char kEmptyMessageSigHex[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
    "46bd25bf5f0595bbe24655141438e7a100b";

std::string Unhex(std::string_view hex) {
  auto r = HexDecode(hex);
  REQUIRE(r.ok());
  return *r;
}

std::string Unb64(std::string_view text) {
  auto r = Base64UrlDecode(text);
  REQUIRE(r.ok());
  return *r;
}

PublicKey ToPublicKey(std::string_view bytes) {
  REQUIRE(bytes.size() == 32);
  PublicKey pk;
  std::copy(bytes.begin(), bytes.end(), pk.begin());
  return pk;
}

SigningKey RfcKey() {
  auto key = SigningKey::FromSeed(Unb64(kSeedB64));
  REQUIRE(key.ok());
  return std::move(*key);
}

std::string RfcCompact() { return std::string(kSigningInput) + "." + kSignatureB64; }

std::string Tokenize(std::string_view header_b64, std::string_view payload_b64,
                     std::string_view sig_b64) {
  return std::string(header_b64) + "." + std::string(payload_b64) + "." + std::string(sig_b64);
}

// Signs `header_json` correctly, so a rejection can only come from the header check.
Errc VerifyErrorForHeader(std::string_view header_json) {
  const SigningKey key = RfcKey();
  auto r = VerifyCompactJws(SignCompactJws(header_json, "{}", key), key.public_key());
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

nlohmann::json LoadWycheproof() {
  std::ifstream in(std::string(ISSUER_VECTORS_DIR) + "/wycheproof-ed25519.json");
  REQUIRE(in.good());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

std::string FlipBit(std::string bytes, size_t bit) {
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  return bytes;
}

}  // namespace

TEST_SUITE("ed25519") {
  TEST_CASE("RFC 8037 A.1: the seed yields the published public key") {
    const SigningKey key = RfcKey();
    CHECK(Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(key.public_key().data()),
                                           32)) == kPublicB64);
    CHECK(HexEncode(std::string_view(reinterpret_cast<const char*>(key.public_key().data()), 32)) ==
          kPublicHex);
    CHECK(HexEncode(key.seed()) == kSeedHex);
  }

  TEST_CASE("RFC 8037 A.4: signing reproduces the signature byte for byte") {
    const SigningKey key = RfcKey();
    CHECK(Base64UrlEncode(key.Sign(kSigningInput)) == kSignatureB64);
    CHECK(SignCompactJws(R"({"alg":"EdDSA"})", "Example of Ed25519 signing", key) == RfcCompact());
  }

  TEST_CASE("RFC 8037 A.5: the compact JWS verifies with the public key") {
    const PublicKey pk = ToPublicKey(Unhex(kPublicHex));
    auto verified = VerifyCompactJws(RfcCompact(), pk);
    REQUIRE(verified.ok());
    CHECK(verified->header_json == R"({"alg":"EdDSA"})");
    CHECK(verified->payload_json == "Example of Ed25519 signing");
  }

  TEST_CASE("RFC 8032 TEST 1: the empty message") {
    const SigningKey key = RfcKey();
    const std::string sig = key.Sign("");
    CHECK(HexEncode(sig) == kEmptyMessageSigHex);
    CHECK(VerifyEd25519(key.public_key(), "", sig));
    CHECK_FALSE(VerifyEd25519(key.public_key(), "x", sig));
  }

  TEST_CASE("VerifyEd25519 rejects signatures that are not 64 bytes") {
    const SigningKey key = RfcKey();
    const std::string sig = key.Sign("m");
    CHECK(VerifyEd25519(key.public_key(), "m", sig));
    CHECK_FALSE(VerifyEd25519(key.public_key(), "m", sig.substr(0, 63)));
    CHECK_FALSE(VerifyEd25519(key.public_key(), "m", sig + '\0'));
    CHECK_FALSE(VerifyEd25519(key.public_key(), "m", ""));
  }

  TEST_CASE("SigningKey::FromSeed needs exactly 32 bytes") {
    CHECK(SigningKey::FromSeed(std::string(31, 'a')).error().code == Errc::kInvalidArgument);
    CHECK(SigningKey::FromSeed(std::string(33, 'a')).error().code == Errc::kInvalidArgument);
    CHECK(SigningKey::FromSeed("").error().code == Errc::kInvalidArgument);
  }

  TEST_CASE("SigningKey::Generate takes its seed from the Random") {
    const std::string seed = Unhex(kSeedHex);
    const Random fixed = [&seed](unsigned char* out, size_t len) {
      REQUIRE(len == 32);
      std::copy(seed.begin(), seed.end(), out);
    };
    auto key = SigningKey::Generate(fixed);
    REQUIRE(key.ok());
    CHECK(key->seed() == seed);
    CHECK(key->public_key() == RfcKey().public_key());
  }

  TEST_CASE("Wycheproof ed25519_test.json: every verdict matches") {
    const nlohmann::json doc = LoadWycheproof();
    int valid = 0, invalid = 0;
    for (const auto& group : doc.at("testGroups")) {
      const PublicKey pk = ToPublicKey(Unhex(group.at("publicKey").at("pk").get<std::string>()));
      for (const auto& test : group.at("tests")) {
        CAPTURE(test.at("tcId").get<int>());
        const std::string result = test.at("result").get<std::string>();
        REQUIRE((result == "valid" || result == "invalid"));
        const bool expected = result == "valid";
        const std::string msg = Unhex(test.at("msg").get<std::string>());
        // Invalid vectors include empty, truncated and over-long signatures.
        auto sig = HexDecode(test.at("sig").get<std::string>());
        const bool got = sig.ok() && VerifyEd25519(pk, msg, *sig);
        CHECK(got == expected);
        (expected ? valid : invalid) += 1;
      }
    }
    CHECK(valid == 88);
    CHECK(invalid == 63);
    CHECK(valid + invalid == doc.at("numberOfTests").get<int>());
    CHECK(valid + invalid == 151);
  }
}

TEST_SUITE("jwt") {
  TEST_CASE("flipping any bit of the RFC signature fails verification") {
    const PublicKey pk = RfcKey().public_key();
    const std::string sig = Unb64(kSignatureB64);
    REQUIRE(sig.size() == 64);
    const std::string header_b64 = "eyJhbGciOiJFZERTQSJ9";
    const std::string payload_b64 = "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    int failures = 0;
    for (size_t bit = 0; bit < sig.size() * 8; ++bit) {
      auto r = VerifyCompactJws(
          Tokenize(header_b64, payload_b64, Base64UrlEncode(FlipBit(sig, bit))), pk);
      if (!r.ok() && r.error().code == Errc::kUnauthenticated) ++failures;
    }
    CHECK(failures == 512);
  }

  TEST_CASE("flipping any bit of the payload fails verification") {
    const PublicKey pk = RfcKey().public_key();
    const std::string payload = "Example of Ed25519 signing";
    int failures = 0;
    for (size_t bit = 0; bit < payload.size() * 8; ++bit) {
      auto r = VerifyCompactJws(Tokenize("eyJhbGciOiJFZERTQSJ9",
                                         Base64UrlEncode(FlipBit(payload, bit)), kSignatureB64),
                                pk);
      if (!r.ok() && r.error().code == Errc::kUnauthenticated) ++failures;
    }
    CHECK(failures == static_cast<int>(payload.size() * 8));
  }

  TEST_CASE("a token signed by another key does not verify") {
    auto other = SigningKey::FromSeed(std::string(32, '\x01'));
    REQUIRE(other.ok());
    auto r = VerifyCompactJws(RfcCompact(), other->public_key());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kUnauthenticated);
  }

  TEST_CASE("VerifyCompactJws rejects headers other than alg EdDSA") {
    CHECK(VerifyErrorForHeader(R"({"alg":"none"})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"alg":"EDDSA"})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"alg":"eddsa"})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"alg":"Ed25519"})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"alg":"HS256"})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"typ":"JWT"})") == Errc::kInvalidArgument);
    // Non-string alg values must be rejected as data, not thrown (keys/jwt.cc:33 uses
    // json::value("alg", ""), which throws type_error for them).
    CHECK(VerifyErrorForHeader(R"({"alg":null})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"alg":1})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"(["alg","EdDSA"])") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader("not json") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"alg":"EdDSA","crit":["exp"]})") == Errc::kInvalidArgument);
    CHECK(VerifyErrorForHeader(R"({"alg":"EdDSA","crit":[]})") == Errc::kInvalidArgument);
  }

  TEST_CASE("VerifyCompactJws accepts a signed EdDSA header with a kid") {
    const SigningKey key = RfcKey();
    auto r = VerifyCompactJws(SignCompactJws(R"({"alg":"EdDSA","kid":"k1"})", R"({"sub":"u"})", key),
                              key.public_key());
    REQUIRE(r.ok());
    CHECK(r->payload_json == R"({"sub":"u"})");
  }

  TEST_CASE("the draft-style alg Ed25519 trap vector is rejected") {
    const std::string trap =
        "eyJhbGciOiJFZDI1NTE5In0.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
        "UxhIYLHGg39NVCLpQAVD_UcfOmnGSCzLFZoXYkLiIbFccmOb_qObsgjzLKsfJw-4NlccUgvYrEHrRbNV0HcZAQ";
    auto r = VerifyCompactJws(trap, RfcKey().public_key());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kInvalidArgument);
  }

  TEST_CASE("VerifyCompactJws rejects malformed compact serialisations") {
    const PublicKey pk = RfcKey().public_key();
    const std::string good = RfcCompact();
    auto fails = [&pk](const std::string& token) {
      auto r = VerifyCompactJws(token, pk);
      return !r.ok() && r.error().code == Errc::kInvalidArgument;
    };
    REQUIRE(VerifyCompactJws(good, pk).ok());
    SUBCASE("segment count") {
      CHECK(fails(kSigningInput));                     // 2 segments
      CHECK(fails(good + ".AAAA"));                    // 4 segments
      CHECK(fails(good + "."));                        // 4, last empty
      CHECK(fails("eyJhbGciOiJFZERTQSJ9"));            // 1 segment
      CHECK(fails(""));
      CHECK(fails(".."));
    }
    SUBCASE("padding characters") {
      CHECK(fails(good + "=="));
      CHECK(fails(Tokenize("eyJhbGciOiJFZERTQSJ9", "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc=",
                           kSignatureB64)));
      CHECK(fails(Tokenize("eyJhbGciOiJFZERTQSJ9=", "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
                           kSignatureB64)));
    }
    SUBCASE("standard alphabet and whitespace") {
      std::string std_alphabet = good;
      std::replace(std_alphabet.begin(), std_alphabet.end(), '_', '/');
      CHECK(fails(std_alphabet));
      CHECK(fails(" " + good));
      CHECK(fails(good + "\n"));
    }
    SUBCASE("a signature that is not 64 bytes") {
      const std::string sig = Unb64(kSignatureB64);
      auto r = VerifyCompactJws(
          Tokenize("eyJhbGciOiJFZERTQSJ9", "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
                   Base64UrlEncode(sig.substr(0, 63))),
          pk);
      CHECK_FALSE(r.ok());
    }
  }
}

TEST_SUITE("jwk") {
  TEST_CASE("PublicJwkJson is jose's exportJWK text") {
    CHECK(PublicJwkJson(RfcKey().public_key()) ==
          std::string(R"({"crv":"Ed25519","x":")") + kPublicB64 + R"(","kty":"OKP"})");
  }

  TEST_CASE("PrivateJwkJson is the RFC 8037 A.1 key in Better Auth's order") {
    auto jwk = PrivateJwkJson(RfcKey());
    REQUIRE(jwk.ok());
    CHECK(jwk->view() == std::string(R"({"crv":"Ed25519","d":")") + kSeedB64 + R"(","x":")" +
                             kPublicB64 + R"(","kty":"OKP"})");
  }

  TEST_CASE("PrivateJwkJson round trips through ParsePrivateJwk") {
    const SigningKey key = RfcKey();
    auto jwk = PrivateJwkJson(key);
    REQUIRE(jwk.ok());
    auto parsed = ParsePrivateJwk(jwk->view());
    REQUIRE(parsed.ok());
    CHECK(parsed->public_key() == key.public_key());
    CHECK(parsed->seed() == key.seed());
    CHECK(parsed->Sign("abc") == key.Sign("abc"));
  }

  TEST_CASE("ParsePrivateJwk accepts RFC order and a missing x") {
    const std::string rfc_order = std::string(R"({"kty":"OKP","crv":"Ed25519","d":")") + kSeedB64 +
                                  R"(","x":")" + kPublicB64 + R"("})";
    auto a = ParsePrivateJwk(rfc_order);
    REQUIRE(a.ok());
    CHECK(a->public_key() == RfcKey().public_key());
    auto b = ParsePrivateJwk(std::string(R"({"kty":"OKP","crv":"Ed25519","d":")") + kSeedB64 +
                             R"("})");
    REQUIRE(b.ok());
    CHECK(b->public_key() == RfcKey().public_key());
  }

  TEST_CASE("ParsePrivateJwk rejects malformed keys") {
    auto rejects = [](const std::string& text) {
      auto r = ParsePrivateJwk(text);
      return !r.ok() && r.error().code == Errc::kInvalidArgument;
    };
    const std::string d = kSeedB64, x = kPublicB64;
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + d + R"(","x":")" + x + R"(","kty":"EC"})"));
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + d + R"(","x":")" + x + R"("})"));  // no kty
    CHECK(rejects(R"({"crv":"X25519","d":")" + d + R"(","x":")" + x + R"(","kty":"OKP"})"));
    CHECK(rejects(R"({"crv":"Ed448","d":")" + d + R"(","kty":"OKP"})"));
    CHECK(rejects(R"({"crv":"Ed25519","x":")" + x + R"(","kty":"OKP"})"));  // no d
    CHECK(rejects(R"({"crv":"Ed25519","d":5,"kty":"OKP"})"));
    const std::string short_d = Base64UrlEncode(std::string(31, '\x09'));
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + short_d + R"(","kty":"OKP"})"));
    const std::string long_d = Base64UrlEncode(std::string(64, '\x09'));
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + long_d + R"(","kty":"OKP"})"));
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + d + R"(=","kty":"OKP"})"));  // padded d
    const std::string other_x = Base64UrlEncode(std::string(32, '\x02'));
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + d + R"(","x":")" + other_x +
                  R"(","kty":"OKP"})"));
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + d + R"(","x":"AAAA","kty":"OKP"})"));
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + d + R"(","x":null,"kty":"OKP"})"));
    CHECK(rejects("not json"));
    CHECK(rejects("[]"));
    // Non-string kty/crv must be rejected, not thrown (keys/jwk.cc:19 uses json::value).
    CHECK(rejects(R"({"crv":"Ed25519","d":")" + d + R"(","kty":5})"));
    CHECK(rejects(R"({"crv":null,"d":")" + d + R"(","kty":"OKP"})"));
  }

  TEST_CASE("ParsePublicJwk reads x of the RFC 8037 A.2 key") {
    auto pk = ParsePublicJwk(std::string(R"({"kty":"OKP","crv":"Ed25519","x":")") + kPublicB64 +
                             R"("})");
    REQUIRE(pk.ok());
    CHECK(*pk == RfcKey().public_key());
    CHECK_FALSE(ParsePublicJwk(R"({"kty":"OKP","crv":"Ed25519"})").ok());
    CHECK_FALSE(ParsePublicJwk(std::string(R"({"kty":"RSA","crv":"Ed25519","x":")") + kPublicB64 +
                               R"("})")
                    .ok());
  }
}

}  // namespace issuer::keys
