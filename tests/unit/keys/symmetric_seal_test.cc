// Better Auth's symmetricEncrypt as two-factor uses it (TOTP secrets, backup codes): values
// that better-auth 1.7.25 sealed open here, and values sealed here open the same way.
#include <doctest/doctest.h>

#include <string>

#include "keys/encoding.h"
#include "keys/seal.h"

namespace issuer::keys {
namespace {

const std::string kSecret = "interop-test-secret-0123456789-abcdefghijklmn";

// Made with better-auth/crypto's symmetricEncrypt (node, better-auth 1.7.25) under kSecret, and
// under the versioned key {2: "second-secret-abcdefghijklmnopqrstuvwxyz"}.
constexpr char kSealedSecret[] =
    "a2d443da4702c9ae2a529d71ca0c0134b08f6277c633d74b14e1ea7749af907a2eca3c0ff7e08e4e9c99c70f806f95c6"
    "1a0e75949386d39570d5d5e06beed1a4db586c29e62a50b7";
constexpr char kSealedCodes[] =
    "5cfb1bb71e34421dafdc0908846c4843993bd4ecb681462b498e1c70e77a38bae9dcd87345bd3d534433d174c87a60"
    "70c36088fffff231f4e7153b6b70153b70cdd6a83e1c";
constexpr char kSealedVersioned[] =
    "$ba$2$36c115a81cd6d235cd92156dde181530fefb51f89b6a9f9095bdd65dd5c26159fe80bba3c44d94e5e240e5d1c7"
    "2b52e719031284bc9787bede2ce6815ff0e8";

Random Counting(unsigned char start) {
  return [start](unsigned char* out, size_t len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(start + i);
  };
}

std::string Open(std::string_view sealed, const SecretRing& ring) {
  auto plain = SymmetricDecrypt(sealed, ring);
  REQUIRE(plain.ok());
  return std::string(plain->view());
}

}  // namespace

TEST_SUITE("keys") {
  TEST_CASE("symmetric seal: Better Auth's sealed TOTP secret and backup codes open") {
    const SecretRing ring{kSecret, {}};
    CHECK(Open(kSealedSecret, ring) == "NO9-Yp_X3BkvPFBVRQ9WPrVsj5lD4dOp");
    CHECK(Open(kSealedCodes, ring) == R"(["mpFwo-vUBqw","6gLWn-0z6yO"])");
    const SecretRing versioned{kSecret, {{2, "second-secret-abcdefghijklmnopqrstuvwxyz"}}};
    CHECK(Open(kSealedVersioned, versioned) == "base32:JBSWY3DPEHPK3PXP");
  }

  TEST_CASE("symmetric seal: the wrong secret, a flipped bit or a bad envelope is refused") {
    CHECK(SymmetricDecrypt(kSealedSecret, SecretRing{"another secret", {}}).error().code ==
          Errc::kUnauthenticated);
    std::string tampered = kSealedSecret;
    tampered[60] = tampered[60] == '0' ? '1' : '0';
    CHECK(SymmetricDecrypt(tampered, SecretRing{kSecret, {}}).error().code ==
          Errc::kUnauthenticated);
    CHECK(SymmetricDecrypt(kSealedVersioned, SecretRing{kSecret, {}}).error().code ==
          Errc::kNotFound);
    CHECK(SymmetricDecrypt("$ba$x$00", SecretRing{kSecret, {}}).error().code ==
          Errc::kInvalidArgument);
    CHECK(SymmetricDecrypt("abcd", SecretRing{kSecret, {}}).error().code ==
          Errc::kInvalidArgument);
  }

  TEST_CASE("symmetric seal: bare hex in single-secret mode, the newest version's envelope") {
    const SecretRing ring{kSecret, {}};
    auto sealed = SymmetricEncrypt("NO9-Yp_X3BkvPFBVRQ9WPrVsj5lD4dOp", ring, Counting(1));
    REQUIRE(sealed.ok());
    // hex(nonce 24 || ciphertext 32 || tag 16), the nonce from the random source.
    CHECK(sealed->size() == 2 * (24 + 32 + 16));
    CHECK(sealed->substr(0, 48) == HexEncode(std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"
                                                         "\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14"
                                                         "\x15\x16\x17\x18", 24)));
    CHECK(Open(*sealed, ring) == "NO9-Yp_X3BkvPFBVRQ9WPrVsj5lD4dOp");
    const SecretRing versioned{kSecret, {{3, "third"}, {2, "second-secret-abcdefghijklmnopqrstuvwxyz"}}};
    auto enveloped = SymmetricEncrypt("[\"a\"]", versioned, Counting(9));
    REQUIRE(enveloped.ok());
    CHECK(enveloped->rfind("$ba$3$", 0) == 0);
    CHECK(Open(*enveloped, versioned) == "[\"a\"]");
    CHECK(Open(kSealedVersioned, versioned) == "base32:JBSWY3DPEHPK3PXP");  // older version
  }

  TEST_CASE("symmetric seal: jwks.privateKey stays the JSON string of the same value") {
    const SecretRing ring{kSecret, {}};
    auto key = SealPrivateKey("{}", ring, Counting(1));
    auto bare = SymmetricEncrypt("{}", ring, Counting(1));
    REQUIRE(key.ok());
    REQUIRE(bare.ok());
    CHECK(*key == "\"" + *bare + "\"");
    auto opened = UnsealPrivateKey(*key, ring);
    REQUIRE(opened.ok());
    CHECK(opened->view() == "{}");
  }
}

}  // namespace issuer::keys
