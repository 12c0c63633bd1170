#include "keys/openssl_key.h"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keys/encoding.h"

namespace issuer::keys {
namespace {

using nlohmann::json;

std::string Hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

json LoadVectors(const std::string& name) {
  std::ifstream in(std::string(ISSUER_VECTORS_DIR) + "/" + name);
  REQUIRE(in.good());
  return json::parse(in);
}

std::string MemberNames(const std::string& jwk_json) {
  std::string names;
  const nlohmann::ordered_json jwk = nlohmann::ordered_json::parse(jwk_json);
  for (auto& [name, value] : jwk.items()) {
    names += (names.empty() ? "" : ",") + name;
  }
  return names;
}

struct Counts {
  int valid = 0;
  int invalid = 0;
};

// Runs every Wycheproof test whose group has a JWK: valid ones must verify, invalid ones not.
Counts RunWycheproof(const std::string& file, const std::string& alg) {
  const json vectors = LoadVectors(file);
  Counts counts;
  for (const json& group : vectors["testGroups"]) {
    // The key is under publicKeyJwk (ECDSA, PSS) or keyJwk (PKCS#1); some groups have none.
    json key = group.value("publicKeyJwk", group.value("keyJwk", json()));
    if (!key.is_object()) continue;
    key.erase("kid");
    key.erase("alg");
    for (const json& t : group["tests"]) {
      const bool ok = VerifyWithPublicJwk(alg, key.dump(), Hex(t["msg"]), Hex(t["sig"]));
      INFO(file, " tcId ", t["tcId"].get<int>(), " ", t["comment"].get<std::string>());
      if (t["result"] == "valid") {
        CHECK(ok);
        ++counts.valid;
      } else if (t["result"] == "invalid") {
        CHECK_FALSE(ok);
        ++counts.invalid;
      }
    }
  }
  return counts;
}

}  // namespace

TEST_SUITE("openssl_key") {
  TEST_CASE("Wycheproof ECDSA P-256 (raw R||S) for ES256") {
    const Counts c = RunWycheproof("wycheproof-ecdsa-secp256r1-sha256-p1363.json", "ES256");
    CHECK(c.valid > 150);
    CHECK(c.invalid > 50);
  }

  TEST_CASE("Wycheproof ECDSA P-521 (raw R||S) for ES512") {
    const Counts c = RunWycheproof("wycheproof-ecdsa-secp521r1-sha512-p1363.json", "ES512");
    CHECK(c.valid > 200);
    CHECK(c.invalid > 50);
  }

  TEST_CASE("Wycheproof RSASSA-PKCS1-v1_5 2048 SHA-256 for RS256") {
    const Counts c = RunWycheproof("wycheproof-rsa-signature-2048-sha256.json", "RS256");
    CHECK(c.valid == 9);
    CHECK(c.invalid == 249);
  }

  TEST_CASE("Wycheproof RSASSA-PSS 2048 SHA-256 MGF1 salt 32 for PS256") {
    const Counts c = RunWycheproof("wycheproof-rsa-pss-2048-sha256-mgf1-32.json", "PS256");
    CHECK(c.valid == 63);
    CHECK(c.invalid == 45);
  }

  TEST_CASE("each algorithm: generate, sign, verify, every bit of the signature matters") {
    struct Case {
      const char* alg;
      size_t signature_bytes;
      const char* public_members;
      const char* private_members;
      std::optional<std::string> crv;
    };
    const Case cases[] = {
        {"ES256", 64, "kty,x,y,crv", "kty,x,y,crv,d", "P-256"},
        {"ES512", 132, "kty,x,y,crv", "kty,x,y,crv,d", "P-521"},
        {"RS256", 256, "kty,n,e", "kty,n,e,d,p,q,dp,dq,qi", std::nullopt},
        {"PS256", 256, "kty,n,e", "kty,n,e,d,p,q,dp,dq,qi", std::nullopt},
    };
    for (const Case& c : cases) {
      CAPTURE(c.alg);
      auto signer = OpenSslSigner::Generate(c.alg, "kid1");
      REQUIRE(signer.ok());
      CHECK((*signer)->alg() == c.alg);
      CHECK((*signer)->kid() == "kid1");
      CHECK((*signer)->crv() == c.crv);
      const std::string pub = (*signer)->PublicJwkJson();
      CHECK(MemberNames(pub) == c.public_members);
      auto priv = (*signer)->PrivateJwkJson();
      REQUIRE(priv.ok());
      CHECK(MemberNames(std::string(priv->view())) == c.private_members);

      auto signature = (*signer)->Sign("header.payload");
      REQUIRE(signature.ok());
      CHECK(signature->size() == c.signature_bytes);
      CHECK(VerifyWithPublicJwk(c.alg, pub, "header.payload", *signature));
      CHECK_FALSE(VerifyWithPublicJwk(c.alg, pub, "header.payloaD", *signature));
      int accepted = 0;
      for (size_t bit = 0; bit < signature->size() * 8; ++bit) {
        std::string tampered = *signature;
        tampered[bit / 8] = static_cast<char>(tampered[bit / 8] ^ (1 << (bit % 8)));
        accepted += VerifyWithPublicJwk(c.alg, pub, "header.payload", tampered);
      }
      CHECK(accepted == 0);
      CHECK_FALSE(VerifyWithPublicJwk(c.alg, pub, "header.payload", signature->substr(1)));

      // The private JWK round-trips into the same key.
      auto again = OpenSslSigner::FromPrivateJwk(c.alg, "kid1", priv->view());
      REQUIRE(again.ok());
      CHECK((*again)->PublicJwkJson() == pub);
      auto resigned = (*again)->Sign("header.payload");
      REQUIRE(resigned.ok());
      CHECK(VerifyWithPublicJwk(c.alg, pub, "header.payload", *resigned));
    }
  }

  TEST_CASE("RS256 is deterministic, PS256 and ECDSA are randomised") {
    auto rsa = OpenSslSigner::Generate("RS256", "k");
    REQUIRE(rsa.ok());
    CHECK(*(*rsa)->Sign("m") == *(*rsa)->Sign("m"));
    for (const char* alg : {"PS256", "ES256"}) {
      auto key = OpenSslSigner::Generate(alg, "k");
      REQUIRE(key.ok());
      CHECK(*(*key)->Sign("m") != *(*key)->Sign("m"));
    }
  }

  TEST_CASE("malformed JWKs are refused, never a crash") {
    auto ec = OpenSslSigner::Generate("ES256", "k");
    REQUIRE(ec.ok());
    json priv = json::parse((*ec)->PrivateJwkJson()->view());
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"ES256", "not json"},
        {"ES256", "[]"},
        {"ES256", json(priv).dump().replace(9, 2, "RS")},      // kty RSA
        {"ES512", priv.dump()},                                 // a P-256 key for ES512
        {"ES256", json{{"kty", "EC"}, {"crv", "P-256"}}.dump()},
        {"ES256", (*ec)->PublicJwkJson()},                      // public only
        {"RS256", priv.dump()},
        {"HS256", priv.dump()},
    };
    for (const auto& entry2 : bad) {
      const auto& alg = entry2.first;
      const auto& text = entry2.second;
      CAPTURE(text);
      auto parsed = OpenSslSigner::FromPrivateJwk(alg, "k", text);
      CHECK_FALSE(parsed.ok());
    }
    json short_x = priv;
    short_x["x"] = Base64UrlEncode(std::string(31, 'a'));
    CHECK_FALSE(OpenSslSigner::FromPrivateJwk("ES256", "k", short_x.dump()).ok());
    json other_d = priv;
    auto other = OpenSslSigner::Generate("ES256", "k2");
    other_d["d"] = json::parse((*other)->PrivateJwkJson()->view())["d"];
    CHECK_FALSE(OpenSslSigner::FromPrivateJwk("ES256", "k", other_d.dump()).ok());
    CHECK_FALSE(OpenSslSigner::Generate("RS256", "k", 1024).ok());
    CHECK_FALSE(OpenSslSigner::Generate("XS1", "k").ok());
    CHECK_FALSE(VerifyWithPublicJwk("ES256", "garbage", "m", std::string(64, 'a')));
  }
}

}  // namespace issuer::keys
