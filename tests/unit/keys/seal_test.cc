#include "keys/seal.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "keys/encoding.h"

namespace issuer::keys {
namespace {

constexpr size_t kNonce = 24;
constexpr size_t kTag = 16;
constexpr char kPlain[] = R"({"crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"})";

// Bytes start, start+1, start+2, ...: a reproducible nonce source.
Random CountingRandom(unsigned char start) {
  return [start](unsigned char* out, size_t len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(start + i);
  };
}

SecretRing Single(std::string secret) { return SecretRing{std::move(secret), {}}; }

std::string Seal(std::string_view plaintext, const SecretRing& ring, unsigned char start = 1) {
  auto sealed = SealPrivateKey(plaintext, ring, CountingRandom(start));
  REQUIRE(sealed.ok());
  return *sealed;
}

// The JSON string's content (hex, or "$ba$v$hex").
std::string Unquote(const std::string& stored) {
  auto parsed = nlohmann::json::parse(stored, nullptr, /*allow_exceptions=*/false);
  REQUIRE(parsed.is_string());
  return parsed.get<std::string>();
}

std::string Quote(std::string_view inner) { return nlohmann::json(std::string(inner)).dump(); }

Errc UnsealError(std::string_view stored, const SecretRing& ring) {
  auto r = UnsealPrivateKey(stored, ring);
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

std::string Opened(std::string_view stored, const SecretRing& ring) {
  auto r = UnsealPrivateKey(stored, ring);
  REQUIRE(r.ok());
  return std::string(r->view());
}

// Better Auth's documented symmetricEncrypt, computed with libsodium directly (compat §2).
std::string IndependentSeal(std::string_view plaintext, std::string_view secret,
                            const unsigned char (&nonce)[kNonce]) {
  unsigned char key[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(key, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  std::string blob(kNonce + plaintext.size() + kTag, '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  std::copy(nonce, nonce + kNonce, out);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out + kNonce, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), nullptr, 0, nullptr, nonce, key);
  REQUIRE(clen == plaintext.size() + kTag);
  char hex[2 * (kNonce + 256 + kTag) + 1];
  REQUIRE(blob.size() <= kNonce + 256 + kTag);
  sodium_bin2hex(hex, sizeof hex, out, blob.size());
  std::string stored = "\"";
  stored += hex;
  stored += '"';
  return stored;
}

// Decrypts a bare-hex blob with libsodium directly; nullopt if the tag fails.
std::optional<std::string> IndependentOpen(std::string_view hex, std::string_view secret) {
  auto blob = HexDecode(hex);
  REQUIRE(blob.ok());
  REQUIRE(blob->size() >= kNonce + kTag);
  unsigned char key[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(key, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  std::string plain(blob->size() - kNonce - kTag, '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(blob->data());
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()),
                                                 &mlen, nullptr, in + kNonce,
                                                 blob->size() - kNonce, nullptr, 0, in,
                                                 key) != 0) {
    return std::nullopt;
  }
  return plain;
}

char OtherHexDigit(char c) { return c == '0' ? '1' : '0'; }

}  // namespace

TEST_SUITE("seal") {
  TEST_CASE("seal then unseal returns the plaintext") {
    const SecretRing ring = Single("a-secret-of-at-least-32-characters!!");
    CHECK(Opened(Seal(kPlain, ring), ring) == kPlain);
    CHECK(Opened(Seal("", ring), ring) == "");
    CHECK(Opened(Seal("x", ring), ring) == "x");
  }

  TEST_CASE("the stored form is a JSON string of lowercase hex(nonce || ciphertext || tag)") {
    const std::string plain = kPlain;
    const std::string stored = Seal(plain, Single("s"), /*start=*/0xf0);
    CHECK(stored.size() == 2 * (kNonce + plain.size() + kTag) + 2);
    CHECK(stored.front() == '"');
    CHECK(stored.back() == '"');
    const std::string hex = stored.substr(1, stored.size() - 2);
    CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    // The nonce comes first, straight from the Random.
    CHECK(hex.substr(0, 2 * kNonce) ==
          "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0001020304050607");
  }

  TEST_CASE("sealing is deterministic in the Random and differs with the nonce") {
    const SecretRing ring = Single("s");
    CHECK(Seal(kPlain, ring, 1) == Seal(kPlain, ring, 1));
    CHECK(Seal(kPlain, ring, 1) != Seal(kPlain, ring, 2));
  }

  TEST_CASE("unsealing with the wrong secret is kUnauthenticated") {
    const std::string stored = Seal(kPlain, Single("right"));
    CHECK(UnsealError(stored, Single("wrong")) == Errc::kUnauthenticated);
    CHECK(UnsealError(stored, Single("")) == Errc::kUnauthenticated);
    CHECK(UnsealError(stored, Single("right ")) == Errc::kUnauthenticated);
  }

  TEST_CASE("changing any hex digit of the blob is detected") {
    const SecretRing ring = Single("s");
    const std::string hex = Unquote(Seal(kPlain, ring));
    int rejected = 0;
    for (size_t i = 0; i < hex.size(); ++i) {
      std::string tampered = hex;
      tampered[i] = OtherHexDigit(tampered[i]);
      auto r = UnsealPrivateKey(Quote(tampered), ring);
      if (!r.ok() && r.error().code == Errc::kUnauthenticated) ++rejected;
    }
    CHECK(rejected == static_cast<int>(hex.size()));
  }

  TEST_CASE("malformed stored values are kInvalidArgument") {
    const SecretRing ring = Single("s");
    const std::string hex = Unquote(Seal(kPlain, ring));
    SUBCASE("shorter than nonce and tag") {
      CHECK(UnsealError(Quote(hex.substr(0, 2 * (kNonce + kTag) - 2)), ring) ==
            Errc::kInvalidArgument);
      CHECK(UnsealError(Quote(""), ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(Quote("00"), ring) == Errc::kInvalidArgument);
    }
    SUBCASE("truncated but long enough: the tag fails") {
      CHECK(UnsealError(Quote(hex.substr(0, hex.size() - 2)), ring) == Errc::kUnauthenticated);
      CHECK(UnsealError(Quote(hex.substr(0, 2 * (kNonce + kTag))), ring) ==
            Errc::kUnauthenticated);
    }
    SUBCASE("odd length or non-hex") {
      CHECK(UnsealError(Quote(hex.substr(0, hex.size() - 1)), ring) == Errc::kInvalidArgument);
      std::string bad = hex;
      bad[10] = 'g';
      CHECK(UnsealError(Quote(bad), ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(Quote(hex + " "), ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(Quote(std::string(" ").append(hex, 1)), ring) == Errc::kInvalidArgument);
    }
    SUBCASE("not a JSON string") {
      CHECK(UnsealError(hex, ring) == Errc::kInvalidArgument);  // the quotes are missing
      CHECK(UnsealError("\"" + hex, ring) == Errc::kInvalidArgument);
      CHECK(UnsealError("", ring) == Errc::kInvalidArgument);
      CHECK(UnsealError("null", ring) == Errc::kInvalidArgument);
      CHECK(UnsealError("1234", ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(R"({"hex":")" + hex + R"("})", ring) == Errc::kInvalidArgument);
      CHECK(UnsealError("[\"" + hex + "\"]", ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(kPlain, ring) == Errc::kInvalidArgument);  // an unencrypted JWK
    }
  }

  TEST_CASE("uppercase hex from another writer still opens") {
    const SecretRing ring = Single("s");
    std::string hex = Unquote(Seal(kPlain, ring));
    for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(Opened(Quote(hex), ring) == kPlain);
  }

  TEST_CASE("versioned secrets use the $ba$<version>$ envelope") {
    const SecretRing ring{"", {{2, "b"}, {1, "a"}}};
    SUBCASE("sealing uses the newest version") {
      const std::string inner = Unquote(Seal(kPlain, ring));
      REQUIRE(inner.rfind("$ba$2$", 0) == 0);
      CHECK(inner.size() == 6 + 2 * (kNonce + sizeof(kPlain) - 1 + kTag));
      CHECK(Opened(Seal(kPlain, ring), ring) == kPlain);
      // Under SHA-256("b"), not "a".
      CHECK(IndependentOpen(inner.substr(6), "b") == std::optional<std::string>(kPlain));
      CHECK(IndependentOpen(inner.substr(6), "a") == std::nullopt);
    }
    SUBCASE("a row sealed under version 1 opens") {
      const std::string old_row = Seal(kPlain, SecretRing{"", {{1, "a"}}});
      CHECK(Unquote(old_row).rfind("$ba$1$", 0) == 0);
      CHECK(Opened(old_row, ring) == kPlain);
    }
    SUBCASE("an unknown version is kNotFound") {
      const std::string v3 = Seal(kPlain, SecretRing{"", {{3, "c"}}});
      CHECK(UnsealError(v3, ring) == Errc::kNotFound);
      CHECK(UnsealError(v3, Single("c")) == Errc::kNotFound);
    }
    SUBCASE("the envelope's version picks the secret, not the ring order") {
      const std::string v2 = Seal(kPlain, ring);
      CHECK(Opened(v2, SecretRing{"", {{1, "a"}, {2, "b"}}}) == kPlain);
      CHECK(UnsealError(v2, SecretRing{"", {{2, "a"}, {1, "b"}}}) == Errc::kUnauthenticated);
    }
    SUBCASE("a bare-hex legacy row opens with the current secret") {
      const std::string legacy = Seal(kPlain, Single("legacy"));
      CHECK(Opened(legacy, SecretRing{"legacy", {{2, "b"}, {1, "a"}}}) == kPlain);
      CHECK(UnsealError(legacy, ring) == Errc::kUnauthenticated);
    }
    SUBCASE("a malformed envelope is kInvalidArgument") {
      const std::string hex = Unquote(Seal(kPlain, Single("b")));
      CHECK(UnsealError(Quote("$ba$$" + hex), ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(Quote("$ba$x$" + hex), ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(Quote("$ba$2" + hex), ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(Quote("$ba$2x$" + hex), ring) == Errc::kInvalidArgument);
      CHECK(UnsealError(Quote("$ba$2$"), ring) == Errc::kInvalidArgument);
      CHECK(Opened(Quote("$ba$2$" + hex), ring) == kPlain);
    }
  }

  TEST_CASE("Better Auth's format computed independently with libsodium opens") {
    const unsigned char nonce[kNonce] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12,
                                         13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
    const std::string secret = "better-auth-secret-12345678901234567890";
    const std::string stored = IndependentSeal(kPlain, secret, nonce);
    CHECK(Opened(stored, Single(secret)) == kPlain);
    CHECK(UnsealError(stored, Single("other")) == Errc::kUnauthenticated);
    CHECK(Opened(Quote("$ba$7$" + Unquote(stored)), SecretRing{"", {{7, secret}}}) == kPlain);
  }

  TEST_CASE("SealPrivateKey output decrypts with libsodium directly") {
    const std::string stored = Seal(kPlain, Single("k"), 0x40);
    const std::string hex = Unquote(stored);
    CHECK(IndependentOpen(hex, "k") == std::optional<std::string>(kPlain));
    // Same nonce and key give the same bytes as the independent encryption.
    unsigned char nonce[kNonce];
    for (size_t i = 0; i < kNonce; ++i) nonce[i] = static_cast<unsigned char>(0x40 + i);
    CHECK(stored == IndependentSeal(kPlain, "k", nonce));
  }
}

}  // namespace issuer::keys
