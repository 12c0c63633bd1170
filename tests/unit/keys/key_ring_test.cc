#include "keys/key_ring.h"

#include <doctest/doctest.h>

#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keys/ed25519_signer.h"
#include "keys/encoding.h"
#include "keys/jwk.h"
#include "keys/seal.h"

namespace issuer::keys {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr int64_t kGrace = 30 * kDay;  // KeyPolicy's default
constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z

const SecretRing& Secrets() {
  static const SecretRing ring{"key-ring-test-secret-0123456789abcdef", {}};
  return ring;
}

// A reproducible Random (splitmix64) that keeps its state across calls.
Random SeededRandom(uint64_t seed) {
  auto state = std::make_shared<uint64_t>(seed);
  return [state](unsigned char* out, size_t len) {
    for (size_t i = 0; i < len; ++i) {
      uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      out[i] = static_cast<unsigned char>(z ^ (z >> 31));
    }
  };
}

// An EdDSA row whose seed is 32 copies of `seed_byte`, sealed with Secrets().
StoredKey EdRow(std::string kid, char seed_byte, int64_t created_at,
                std::optional<int64_t> expires_at = std::nullopt) {
  auto key = SigningKey::FromSeed(std::string(32, seed_byte));
  REQUIRE(key.ok());
  auto jwk = PrivateJwkJson(*key);
  REQUIRE(jwk.ok());
  auto sealed = SealPrivateKey(jwk->view(), Secrets(), SeededRandom(7));
  REQUIRE(sealed.ok());
  StoredKey row;
  row.kid = std::move(kid);
  row.public_key_json = PublicJwkJson(key->public_key());
  row.private_key = *sealed;
  row.alg = "EdDSA";
  row.crv = "Ed25519";
  row.created_at_ms = created_at;
  row.expires_at_ms = expires_at;
  return row;
}

// An RSA row of an algorithm ba-issuer does not sign with (RS384).
StoredKey RsaRow(std::string kid, int64_t created_at) {
  auto sealed = SealPrivateKey(R"({"kty":"RSA","n":"sXch","e":"AQAB","d":"AQ"})", Secrets(),
                               SeededRandom(8));
  REQUIRE(sealed.ok());
  StoredKey row;
  row.kid = std::move(kid);
  row.public_key_json = R"({"kty":"RSA","n":"sXch","e":"AQAB"})";
  row.private_key = *sealed;
  row.alg = "RS384";
  row.created_at_ms = created_at;
  return row;
}

KeyRing OpenRing(std::vector<StoredKey> rows, int64_t now, KeyPolicy policy = {}) {
  auto ring = KeyRing::Open(std::move(rows), Secrets(), policy, now);
  REQUIRE(ring.ok());
  return std::move(*ring);
}

std::string SignerKid(const KeyRing& ring, int64_t now) {
  const RingKey* k = ring.Signer(now);
  return k ? k->row.kid : "<none>";
}

// The kids in JwksJson(now), comma-separated, in output order.
std::string PublishedKids(const KeyRing& ring, int64_t now) {
  const OrderedJson doc = OrderedJson::parse(ring.JwksJson(now));
  std::string kids;
  for (const auto& k : doc.at("keys")) {
    if (!kids.empty()) kids += ',';
    kids += k.at("kid").get<std::string>();
  }
  return kids;
}

// An object's member names, comma-separated, in order.
std::string MemberNames(const OrderedJson& object) {
  std::string names;
  for (const auto& item : object.items()) {
    if (!names.empty()) names += ',';
    names += item.key();
  }
  return names;
}

bool IsAlnum32(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The Ed25519 key behind a signer. REQUIRES: an Ed25519 signer.
const SigningKey& Ed25519Of(const SignerPtr& signer) {
  const auto* ed = dynamic_cast<const Ed25519Signer*>(signer.get());
  REQUIRE(ed != nullptr);
  return ed->key();
}

}  // namespace

TEST_SUITE("key_ring") {
  TEST_CASE("MakeKey builds a Better Auth jwks row and its signer") {
    auto made = MakeKey(Secrets(), KeyPolicy{}, SeededRandom(1), kT0);
    REQUIRE(made.ok());
    const StoredKey& row = made->row;
    REQUIRE(made->signer);
    CHECK(IsAlnum32(row.kid));
    CHECK(row.alg == std::optional<std::string>("EdDSA"));
    CHECK(row.crv == std::optional<std::string>("Ed25519"));
    CHECK(row.created_at_ms == kT0);
    CHECK_FALSE(row.expires_at_ms.has_value());
    CHECK(row.public_key_json == PublicJwkJson(Ed25519Of(made->signer).public_key()));

    auto plain = UnsealPrivateKey(row.private_key, Secrets());
    REQUIRE(plain.ok());
    auto expected_jwk = PrivateJwkJson(Ed25519Of(made->signer));
    REQUIRE(expected_jwk.ok());
    CHECK(plain->view() == expected_jwk->view());
    auto parsed = ParsePrivateJwk(plain->view());
    REQUIRE(parsed.ok());
    CHECK(parsed->public_key() == Ed25519Of(made->signer).public_key());
  }

  TEST_CASE("MakeKey sets expiresAt from the rotation interval and differs per Random") {
    KeyPolicy policy;
    policy.rotation_interval_ms = 7 * kDay;
    auto a = MakeKey(Secrets(), policy, SeededRandom(1), kT0);
    auto b = MakeKey(Secrets(), policy, SeededRandom(2), kT0);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->row.expires_at_ms == std::optional<int64_t>(kT0 + 7 * kDay));
    CHECK(a->row.kid != b->row.kid);
    CHECK(a->row.public_key_json != b->row.public_key_json);
    auto again = MakeKey(Secrets(), policy, SeededRandom(1), kT0);
    REQUIRE(again.ok());
    CHECK(again->row.kid == a->row.kid);
    CHECK(again->row.private_key == a->row.private_key);
  }

  TEST_CASE("a made key opens in a ring, signs, and verifies against the JWKS") {
    auto made = MakeKey(Secrets(), KeyPolicy{}, SeededRandom(3), kT0);
    REQUIRE(made.ok());
    const KeyRing ring = OpenRing({made->row}, kT0);
    const RingKey* signer = ring.Signer(kT0);
    REQUIRE(signer);
    CHECK(signer->row.kid == made->row.kid);
    CHECK(signer->row.private_key.empty());
    const auto jwk = OrderedJson::parse(ring.JwksJson(kT0)).at("keys").at(0);
    auto x = Base64UrlDecode(jwk.at("x").get<std::string>());
    REQUIRE(x.ok());
    PublicKey pk;
    std::copy(x->begin(), x->end(), pk.begin());
    auto signature = signer->signer->Sign("msg");
    REQUIRE(signature.ok());
    CHECK(VerifyEd25519(pk, "msg", *signature));
    CHECK(signer->signer->alg() == "EdDSA");
    CHECK(signer->signer->kid() == made->row.kid);
    CHECK(signer->signer->PublicJwkJson() == made->row.public_key_json);
  }

  TEST_CASE("Signer is the newest live EdDSA key by createdAt") {
    const KeyRing ring =
        OpenRing({EdRow("old", 'a', kT0 - 3 * kDay), EdRow("newest", 'b', kT0 - kDay),
                  EdRow("middle", 'c', kT0 - 2 * kDay)},
                 kT0);
    CHECK(ring.size() == 3);
    CHECK(SignerKid(ring, kT0) == "newest");
    CHECK(PublishedKids(ring, kT0) == "old,newest,middle");  // table order
  }

  TEST_CASE("expired keys never sign but stay published for the grace period") {
    const int64_t expires = kT0 + kDay;
    const KeyRing ring =
        OpenRing({EdRow("older", 'a', kT0 - kDay), EdRow("newer", 'b', kT0, expires)}, kT0);
    CHECK(SignerKid(ring, expires - 1) == "newer");
    CHECK(SignerKid(ring, expires) == "older");  // expiresAt <= now: expired
    CHECK(SignerKid(ring, expires + 1) == "older");
    CHECK(PublishedKids(ring, expires) == "older,newer");
    CHECK(PublishedKids(ring, expires + kGrace - 1) == "older,newer");
    CHECK(PublishedKids(ring, expires + kGrace) == "older");
  }

  TEST_CASE("with every key expired there is no signer") {
    const KeyRing ring = OpenRing({EdRow("k", 'a', kT0 - kDay, kT0)}, kT0);
    CHECK(ring.Signer(kT0) == nullptr);
    CHECK(PublishedKids(ring, kT0) == "k");
  }

  TEST_CASE("keys past the grace period are not loaded") {
    const KeyRing ring =
        OpenRing({EdRow("gone", 'a', kT0 - 60 * kDay, kT0 - 31 * kDay), EdRow("live", 'b', kT0)},
                 kT0);
    CHECK(ring.size() == 1);
    CHECK(PublishedKids(ring, kT0) == "live");
  }

  TEST_CASE("a custom grace period is honoured") {
    KeyPolicy policy;
    policy.grace_period_ms = 1000;
    const KeyRing ring = OpenRing({EdRow("k", 'a', kT0 - kDay, kT0)}, kT0, policy);
    CHECK(PublishedKids(ring, kT0 + 999) == "k");
    CHECK(PublishedKids(ring, kT0 + 1000).empty());
  }

  TEST_CASE("a row with alg NULL counts as EdDSA") {
    StoredKey legacy = EdRow("legacy", 'a', kT0);
    legacy.alg.reset();
    legacy.crv.reset();
    const KeyRing ring = OpenRing({legacy}, kT0);
    CHECK(SignerKid(ring, kT0) == "legacy");
    const auto jwk = OrderedJson::parse(ring.JwksJson(kT0)).at("keys").at(0);
    CHECK(jwk.at("alg") == "EdDSA");
    CHECK(MemberNames(jwk) == "alg,crv,x,kty,kid");
  }

  TEST_CASE("a published key that does not unseal fails Open, naming the kid") {
    StoredKey bad = EdRow("badKid123", 'a', kT0);
    auto wrong = SealPrivateKey("{}", SecretRing{"another-secret", {}}, SeededRandom(5));
    REQUIRE(wrong.ok());
    bad.private_key = *wrong;
    auto ring = KeyRing::Open({EdRow("good", 'b', kT0), bad}, Secrets(), KeyPolicy{}, kT0);
    REQUIRE_FALSE(ring.ok());
    CHECK(ring.error().code == Errc::kUnauthenticated);
    CHECK(ring.error().message.find("badKid123") != std::string::npos);
  }

  TEST_CASE("a published key whose plaintext is not an Ed25519 JWK fails Open") {
    StoredKey bad = EdRow("notJwk", 'a', kT0);
    auto sealed = SealPrivateKey(R"({"kty":"OKP","crv":"Ed25519"})", Secrets(), SeededRandom(5));
    REQUIRE(sealed.ok());
    bad.private_key = *sealed;
    auto ring = KeyRing::Open({bad}, Secrets(), KeyPolicy{}, kT0);
    REQUIRE_FALSE(ring.ok());
    CHECK(ring.error().message.find("notJwk") != std::string::npos);
  }

  TEST_CASE("a key whose stored publicKey is not its public half never signs") {
    StoredKey bad = EdRow("badPublic", 'a', kT0);
    SUBCASE("not JSON") { bad.public_key_json = "{not json"; }
    SUBCASE("another key's") { bad.public_key_json = EdRow("other", 'c', kT0).public_key_json; }
    SUBCASE("not a JWK") { bad.public_key_json = R"({"kty":"OKP"})"; }
    // Newer than the good key, so it would sign if it were trusted: its tokens would not verify
    // against the JWKS, which publishes the stored publicKey.
    auto ring = KeyRing::Open({EdRow("good", 'b', kT0 - 1), bad}, Secrets(), KeyPolicy{}, kT0);
    REQUIRE(ring.ok());
    CHECK(SignerKid(*ring, kT0) == "good");
  }

  TEST_CASE("an unpublished key that does not unseal is ignored") {
    StoredKey bad = EdRow("ancient", 'a', kT0 - 90 * kDay, kT0 - 60 * kDay);
    bad.private_key = "\"00\"";
    const KeyRing ring = OpenRing({bad, EdRow("good", 'b', kT0)}, kT0);
    CHECK(ring.size() == 1);
    CHECK(SignerKid(ring, kT0) == "good");
  }

  TEST_CASE("JwksJson has exactly alg, crv, x, kty, kid and never d") {
    StoredKey row = EdRow("kid1", 'a', kT0);
    auto key = SigningKey::FromSeed(std::string(32, 'a'));
    REQUIRE(key.ok());
    const std::string x = Base64UrlEncode(
        std::string_view(reinterpret_cast<const char*>(key->public_key().data()), 32));
    SUBCASE("exact text") {
      const KeyRing ring = OpenRing({row}, kT0);
      CHECK(ring.JwksJson(kT0) == R"({"keys":[{"alg":"EdDSA","crv":"Ed25519","x":")" + x +
                                      R"(","kty":"OKP","kid":"kid1"}]})");
    }
    SUBCASE("a d in the stored publicKey is dropped") {
      row.public_key_json = R"({"crv":"Ed25519","d":"c2VjcmV0","x":")" + x + R"(","kty":"OKP"})";
      const KeyRing ring = OpenRing({row}, kT0);
      const std::string text = ring.JwksJson(kT0);
      CHECK(text.find("\"d\"") == std::string::npos);
      CHECK(text.find("c2VjcmV0") == std::string::npos);
      const auto jwk = OrderedJson::parse(text).at("keys").at(0);
      CHECK(MemberNames(jwk) == "alg,crv,x,kty,kid");
    }
  }

  TEST_CASE("an empty ring publishes no keys and has no signer") {
    const KeyRing ring = OpenRing({}, kT0);
    CHECK(ring.size() == 0);
    CHECK(ring.Signer(kT0) == nullptr);
    CHECK(ring.JwksJson(kT0) == R"({"keys":[]})");
  }

  TEST_CASE("a key of an algorithm ba-issuer does not sign with is published, never signs") {
    SUBCASE("alone") {
      const KeyRing ring = OpenRing({RsaRow("rsa1", kT0)}, kT0);
      CHECK(ring.Signer(kT0) == nullptr);
      CHECK(ring.JwksJson(kT0) ==
            R"({"keys":[{"alg":"RS384","kty":"RSA","n":"sXch","e":"AQAB","kid":"rsa1"}]})");
    }
    SUBCASE("newer than an EdDSA key") {
      const KeyRing ring = OpenRing({EdRow("ed", 'a', kT0 - kDay), RsaRow("rsa1", kT0)}, kT0);
      CHECK(SignerKid(ring, kT0) == "ed");
      CHECK(PublishedKids(ring, kT0) == "ed,rsa1");
    }
    SUBCASE("sealed with the wrong secret it is still published: it never signs here") {
      StoredKey rsa = RsaRow("rsa1", kT0);
      auto wrong = SealPrivateKey("{}", SecretRing{"another-secret", {}}, SeededRandom(5));
      REQUIRE(wrong.ok());
      rsa.private_key = *wrong;
      auto ring = KeyRing::Open({rsa}, Secrets(), KeyPolicy{}, kT0);
      REQUIRE(ring.ok());
      CHECK(ring->Signer(kT0) == nullptr);
      CHECK(PublishedKids(*ring, kT0) == "rsa1");
      // doctor still names it.
      Status opens = CheckOpens(rsa, Secrets(), KeyPolicy{});
      REQUIRE_FALSE(opens.ok());
      CHECK(opens.error().message.find("rsa1") != std::string::npos);
    }
  }

  TEST_CASE("odd rows from another writer: never a crash, never an unverifiable token") {
    const int64_t max = std::numeric_limits<int64_t>::max();
    StoredKey far = EdRow("far", 'a', kT0 - kDay, max);               // expiresAt at the limit
    StoredKey bad_utf8 = EdRow(std::string("k\xff\xfe"), 'b', kT0);  // newest, not UTF-8
    StoredKey unknown = EdRow("unknownAlg", 'c', kT0 + 1);
    unknown.alg = "XS999";
    StoredKey mismatched = EdRow("mismatch", 'd', kT0 + 2);
    mismatched.public_key_json = EdRow("x", 'e', kT0).public_key_json;  // not d's public key
    auto ring = KeyRing::Open({far, bad_utf8, unknown, mismatched}, Secrets(), KeyPolicy{}, kT0);
    REQUIRE(ring.ok());
    // Only "far" can sign verifiably.
    CHECK(SignerKid(*ring, kT0) == "far");
    const std::string jwks = ring->JwksJson(kT0);
    const auto parsed = nlohmann::json::parse(jwks, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    CHECK(PublishedKids(*ring, kT0).find("far") != std::string::npos);  // the signer is published
    CHECK(jwks.find("unknownAlg") != std::string::npos);                // published as stored
    CHECK(parsed.dump().find("\\u00ff") == std::string::npos);        // the bad kid is left out
    CHECK(ring->NextChangeMs(kT0) == max);
  }

  TEST_CASE("a key whose public key is not its private key's is neither published nor used") {
    StoredKey swapped = EdRow("swapped", 'd', kT0 + 2);
    swapped.public_key_json = EdRow("x", 'e', kT0).public_key_json;  // another key's
    StoredKey good = EdRow("good", 'a', kT0);
    StoredKey retiring = EdRow("retiring", 'b', kT0 - 2 * kDay, kT0 - kDay);
    retiring.public_key_json = swapped.public_key_json;
    const KeyRing ring = OpenRing({good, swapped, retiring}, kT0);
    CHECK(PublishedKids(ring, kT0) == "good");
    CHECK(SignerKid(ring, kT0) == "good");
    REQUIRE(ring.mismatched().size() == 2);
    CHECK(ring.mismatched()[0].kid == "swapped");
    CHECK(ring.mismatched()[0].active);  // the newest live key: it would have signed
    CHECK(ring.mismatched()[1].kid == "retiring");
    CHECK_FALSE(ring.mismatched()[1].active);
    CHECK(OpenRing({good}, kT0).mismatched().empty());

    Status pair = CheckKeyPair(swapped, Secrets(), KeyPolicy{});
    REQUIRE_FALSE(pair.ok());
    CHECK(pair.error().message.find("swapped") != std::string::npos);
    CHECK(CheckKeyPair(good, Secrets(), KeyPolicy{}).ok());
    CHECK(CheckOpens(swapped, Secrets(), KeyPolicy{}).ok());  // it opens: a different problem

    auto signer = SigningKey::FromSeed(std::string(32, 'd'));
    REQUIRE(signer.ok());
    const Ed25519Signer own("swapped", std::move(*signer));
    CHECK_FALSE(PublicKeyMatches(swapped, own));
    swapped.public_key_json = own.PublicJwkJson();
    CHECK(PublicKeyMatches(swapped, own));
  }

  TEST_CASE("an ECDSA or RSA key with another key's public JWK is left out too") {
    KeyPolicy policy;
    for (const char* alg : {"ES256", "RS256"}) {
      CAPTURE(alg);
      policy.alg = alg;
      auto a = MakeKey(Secrets(), policy, SeededRandom(1), kT0);
      auto b = MakeKey(Secrets(), policy, SeededRandom(2), kT0 - 1);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      StoredKey row = a->row;
      row.public_key_json = b->row.public_key_json;
      const KeyRing ring = OpenRing({row, b->row}, kT0, policy);
      CHECK(PublishedKids(ring, kT0) == b->row.kid);
      REQUIRE(ring.mismatched().size() == 1);
      CHECK(ring.mismatched()[0].kid == a->row.kid);
      CHECK_FALSE(CheckKeyPair(row, Secrets(), policy).ok());
      CHECK(CheckKeyPair(a->row, Secrets(), policy).ok());
    }
  }

  TEST_CASE("a retiring key needs no secret: it is published but never opened") {
    StoredKey old = EdRow("oldSecret", 'a', kT0 - 2 * kDay, kT0 - kDay);
    auto wrong = SealPrivateKey("{}", SecretRing{"another-secret", {}}, SeededRandom(5));
    REQUIRE(wrong.ok());
    old.private_key = *wrong;
    auto ring = KeyRing::Open({old, EdRow("new", 'b', kT0 - kDay)}, Secrets(), KeyPolicy{}, kT0);
    REQUIRE(ring.ok());
    CHECK(SignerKid(*ring, kT0) == "new");
    CHECK(PublishedKids(*ring, kT0) == "oldSecret,new");
    CHECK(ring->NextChangeMs(kT0) == kT0 - kDay + kGrace);
  }

  TEST_CASE("keys sealed under an older versioned secret keep signing") {
    StoredKey row = EdRow("v1key", 'a', kT0);
    auto key = SigningKey::FromSeed(std::string(32, 'a'));
    REQUIRE(key.ok());
    auto jwk = PrivateJwkJson(*key);
    REQUIRE(jwk.ok());
    const SecretRing v1{"", {{1, "old-secret-0123456789abcdef0123456789"}}};
    auto sealed = SealPrivateKey(jwk->view(), v1, SeededRandom(9));
    REQUIRE(sealed.ok());
    row.private_key = *sealed;
    const SecretRing v2{"", {{2, "new-secret-0123456789abcdef0123456789"},
                             {1, "old-secret-0123456789abcdef0123456789"}}};
    auto ring = KeyRing::Open({row}, v2, KeyPolicy{}, kT0);
    REQUIRE(ring.ok());
    CHECK(SignerKid(*ring, kT0) == "v1key");
    const SecretRing only_new{"", {{2, "new-secret-0123456789abcdef0123456789"}}};
    CHECK_FALSE(KeyRing::Open({row}, only_new, KeyPolicy{}, kT0).ok());
  }

  TEST_CASE("every algorithm: a made key opens, signs its alg, and is published as Better Auth does") {
    for (const char* alg : {"EdDSA", "ES256", "ES512", "RS256", "PS256"}) {
      CAPTURE(alg);
      KeyPolicy policy;
      policy.alg = alg;
      auto made = MakeKey(Secrets(), policy, SeededRandom(3), kT0);
      REQUIRE(made.ok());
      CHECK(made->row.alg == std::optional<std::string>(alg));
      const std::string a(alg);
      const std::optional<std::string> crv =
          a == "EdDSA" ? "Ed25519" : a == "ES256" ? "P-256" : a == "ES512" ? "P-521"
                                                                          : std::optional<std::string>();
      CHECK(made->row.crv == crv);
      const KeyRing ring = OpenRing({made->row}, kT0, policy);
      const RingKey* signer = ring.Signer(kT0);
      REQUIRE(signer);
      CHECK(signer->signer->alg() == alg);
      const auto jwk = OrderedJson::parse(ring.JwksJson(kT0)).at("keys").at(0);
      CHECK(jwk.at("alg") == alg);
      CHECK(jwk.contains("crv") == crv.has_value());
      CHECK_FALSE(jwk.contains("d"));
      CHECK(CheckOpens(made->row, Secrets(), policy).ok());
    }
  }

  TEST_CASE("with no live key of the configured alg, the newest live key of another alg signs") {
    KeyPolicy rs;
    rs.alg = "RS256";
    auto rsa = MakeKey(Secrets(), rs, SeededRandom(4), kT0);
    REQUIRE(rsa.ok());
    // Configured EdDSA, only an RS256 key live: Better Auth signs RS256 with it, and so do we.
    const KeyRing ring = OpenRing({EdRow("oldEd", 'a', kT0 - 2 * kDay, kT0 - kDay), rsa->row}, kT0);
    const RingKey* signer = ring.Signer(kT0);
    REQUIRE(signer);
    CHECK(signer->row.kid == rsa->row.kid);
    CHECK(signer->signer->alg() == "RS256");
    // A live EdDSA key wins again.
    const KeyRing both = OpenRing({EdRow("ed", 'b', kT0 - kDay), rsa->row}, kT0);
    CHECK(SignerKid(both, kT0) == "ed");
  }

  TEST_CASE("a pre-1.7 row (NULL alg, NULL crv) of another key type: published in Better Auth's order, never fatal") {
    KeyPolicy es;
    es.alg = "ES256";
    auto ec = MakeKey(Secrets(), es, SeededRandom(6), kT0 - kDay);
    REQUIRE(ec.ok());
    StoredKey old = ec->row;
    old.alg.reset();
    old.crv.reset();
    // Configured EdDSA: the old P-256 row cannot sign as EdDSA, and does not stop the ring.
    auto ring = KeyRing::Open({old, EdRow("ed", 'a', kT0 - 2 * kDay)}, Secrets(), KeyPolicy{}, kT0);
    REQUIRE(ring.ok());
    CHECK(SignerKid(*ring, kT0) == "ed");
    const auto jwks = OrderedJson::parse(ring->JwksJson(kT0)).at("keys");
    REQUIRE(jwks.size() == 2);
    CHECK(MemberNames(jwks.at(0)) == "alg,crv,kty,x,y,kid");
    CHECK(jwks.at(0).at("crv") == "P-256");
  }
}

}  // namespace issuer::keys
