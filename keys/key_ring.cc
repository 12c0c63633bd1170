#include "keys/key_ring.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "common/ids.h"
#include "keys/ed25519_signer.h"
#include "keys/jwk.h"
#include "keys/lifecycle.h"
#include "keys/openssl_key.h"

namespace issuer::keys {
namespace {

using OrderedJson = nlohmann::ordered_json;

Error KeyError(const StoredKey& row, const Error& cause) {
  return Error{cause.code, "jwks key " + row.kid + ": " + cause.message};
}

bool IsUtf8(std::string_view s) {
  auto parsed = nlohmann::json::parse("\"" + std::string(s) + "\"", nullptr, false);
  return !parsed.is_discarded() && s.find_first_of("\"\\") == std::string_view::npos;
}

// The public JWK as stored, if it is a JSON object.
std::optional<OrderedJson> StoredPublicJwk(const StoredKey& row) {
  OrderedJson pub = OrderedJson::parse(row.public_key_json, nullptr, /*allow_exceptions=*/false);
  if (!pub.is_object()) return std::nullopt;
  return pub;
}

// True if the stored public JWK holds every member of the signer's own, with the same values.
bool PublishesSigner(const StoredKey& row, const Signer& signer) {
  auto stored = StoredPublicJwk(row);
  auto own = StoredPublicJwk(StoredKey{row.kid, signer.PublicJwkJson(), "", {}, {}, 0, {}});
  if (!stored || !own) return false;
  for (auto& [name, value] : own->items()) {
    auto it = stored->find(name);
    if (it == stored->end() || *it != value) return false;
  }
  return true;
}

// True if the stored public JWK verifies what the signer signs (as a verifier that takes it
// from the JWKS would).
bool VerifiesSigner(const StoredKey& row, const Signer& signer) {
  static constexpr std::string_view kProbe = "ba-issuer key pair check";
  auto signature = signer.Sign(kProbe);
  if (!signature.ok()) return false;
  if (signer.alg() != kEdDsa) {
    return VerifyWithPublicJwk(signer.alg(), row.public_key_json, kProbe, *signature);
  }
  auto pub = ParsePublicJwk(row.public_key_json);
  return pub.ok() && VerifyEd25519(*pub, kProbe, *signature);
}

// The signer of a private JWK of `alg`.
Result<SignerPtr> SignerFromJwk(const std::string& alg, const std::string& kid,
                                std::string_view jwk) {
  if (alg != kEdDsa) {
    auto key = OpenSslSigner::FromPrivateJwk(alg, kid, jwk);
    if (!key.ok()) return key.error();
    return SignerPtr(std::move(*key));
  }
  auto key = ParsePrivateJwk(jwk);
  if (!key.ok()) return key.error();
  return SignerPtr(std::make_shared<const Ed25519Signer>(kid, std::move(*key)));
}

// Unseals one live row; for algorithms we sign with also parses the private JWK into a
// signer. A null signer: the row is published but never signs.
Result<SignerPtr> OpenRow(const StoredKey& row, const KeyPolicy& policy,
                          const SecretRing& secrets) {
  const std::string& alg = AlgOf(row, policy);
  if (!CanSign(alg) || !IsUtf8(row.kid)) return SignerPtr();
  auto plain = UnsealPrivateKey(row.private_key, secrets);
  if (!plain.ok()) return KeyError(row, plain.error());
  auto signer = SignerFromJwk(alg, row.kid, plain->view());
  // A row with no alg (written before Better Auth 1.7) counts as the configured alg; if its key
  // is of another type it cannot sign here, but it is no reason to stop.
  if (!signer.ok() && !row.alg) return SignerPtr();
  if (!signer.ok()) return KeyError(row, signer.error());
  return signer;
}

}  // namespace

bool PublicKeyMatches(const StoredKey& row, const Signer& signer) {
  return PublishesSigner(row, signer) && VerifiesSigner(row, signer);
}

Result<KeyRing> KeyRing::Open(std::vector<StoredKey> rows, const SecretRing& secrets,
                              const KeyPolicy& policy, int64_t now_ms) {
  KeyRing ring({}, policy);
  const std::vector<KeyState> states = ClassifyKeys(rows, policy, now_ms);
  for (size_t i = 0; i < rows.size(); ++i) {
    StoredKey& row = rows[i];
    if (!IsPublished(row, policy, now_ms)) continue;
    const bool live = IsLive(row, now_ms);
    auto opened = OpenRow(row, policy, secrets);
    // A retiring key needs no secret: it is opened only to check it.
    if (!opened.ok() && live) return opened.error();
    SignerPtr signer = opened.ok() ? std::move(*opened) : SignerPtr();
    if (signer && !PublicKeyMatches(row, *signer)) {
      ring.mismatched_.push_back({row.kid, states[i] == KeyState::kActive});
      continue;
    }
    if (!live) signer.reset();
    row.private_key.clear();
    ring.keys_.push_back(RingKey{std::move(row), std::move(signer)});
  }
  return ring;
}

KeyRing KeyRing::PublicOnly(std::vector<StoredKey> rows, const KeyPolicy& policy,
                            int64_t now_ms) {
  KeyRing ring({}, policy);
  for (StoredKey& row : rows) {
    if (!IsPublished(row, policy, now_ms)) continue;
    row.private_key.clear();
    ring.keys_.push_back(RingKey{std::move(row), SignerPtr()});
  }
  return ring;
}

bool CanSign(const std::string& alg) { return alg == kEdDsa || IsOpenSslAlg(alg); }

Status CheckOpens(const StoredKey& row, const SecretRing& secrets, const KeyPolicy& policy) {
  auto plain = UnsealPrivateKey(row.private_key, secrets);
  if (!plain.ok()) return KeyError(row, plain.error());
  const std::string& alg = AlgOf(row, policy);
  if (!CanSign(alg)) return Status::Ok();
  auto signer = SignerFromJwk(alg, row.kid, plain->view());
  if (!signer.ok()) return KeyError(row, signer.error());
  return Status::Ok();
}

Status CheckKeyPair(const StoredKey& row, const SecretRing& secrets, const KeyPolicy& policy) {
  auto opened = OpenRow(row, policy, secrets);
  if (!opened.ok() || !*opened || PublicKeyMatches(row, **opened)) return Status::Ok();
  return Error{Errc::kConflict,
               "jwks key " + row.kid + ": its public key does not match its private key"};
}

const RingKey* KeyRing::Signer(int64_t now_ms) const {
  if (const RingKey* best = SignerFor(policy_.alg, now_ms)) return best;
  const RingKey* any = nullptr;  // Better Auth's fallback: the newest live key of any alg
  for (const RingKey& k : keys_) {
    if (!k.signer || !IsLive(k.row, now_ms)) continue;
    if (any == nullptr || k.row.created_at_ms > any->row.created_at_ms) any = &k;
  }
  return any;
}

const RingKey* KeyRing::SignerFor(std::string_view alg, int64_t now_ms) const {
  const RingKey* best = nullptr;
  for (const RingKey& k : keys_) {
    if (!k.signer || !IsLive(k.row, now_ms) || AlgOf(k.row, policy_) != alg) continue;
    if (best == nullptr || k.row.created_at_ms > best->row.created_at_ms) best = &k;
  }
  return best;
}

std::string KeyRing::JwksJson(int64_t now_ms) const {
  OrderedJson keys = OrderedJson::array();
  for (const RingKey& k : keys_) {
    if (!IsPublished(k.row, policy_, now_ms) || !IsUtf8(k.row.kid)) continue;
    auto pub = StoredPublicJwk(k.row);
    if (!pub) continue;
    // Better Auth: {alg: row.alg ?? configured alg, crv: row.crv, ...JSON.parse(publicKey), kid}.
    OrderedJson jwk = {{"alg", AlgOf(k.row, policy_)}};
    // JS keeps the place of `crv: undefined` for the spread to fill: crv comes second whenever
    // the row or its public key has one.
    if (k.row.crv) {
      jwk["crv"] = *k.row.crv;
    } else if (pub->contains("crv")) {
      jwk["crv"] = (*pub)["crv"];
    }
    for (auto& [name, value] : pub->items()) {
      // A private member never leaves the server.
      if (name != "d" && name != "p" && name != "q" && name != "dp" && name != "dq" &&
          name != "qi" && name != "oth" && name != "k") {
        jwk[name] = value;
      }
    }
    jwk["kid"] = k.row.kid;
    keys.push_back(std::move(jwk));
  }
  return OrderedJson{{"keys", std::move(keys)}}.dump(-1, ' ', false,
                                                     OrderedJson::error_handler_t::replace);
}

int64_t KeyRing::NextChangeMs(int64_t now_ms) const {
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const RingKey& k : keys_) {
    if (!k.row.expires_at_ms) continue;
    const int64_t expires = *k.row.expires_at_ms;
    int64_t unpublished;
    if (__builtin_add_overflow(expires, policy_.grace_period_ms, &unpublished)) {
      unpublished = std::numeric_limits<int64_t>::max();
    }
    if (expires >= now_ms && expires < next) next = expires;
    if (unpublished >= now_ms && unpublished < next) next = unpublished;
  }
  return next;
}

Result<NewKey> MakeKey(const SecretRing& secrets, const KeyPolicy& policy, const Random& random,
                       int64_t now_ms) {
  return MakeKeyFor(policy.alg, secrets, policy, random, now_ms);
}

Result<NewKey> MakeKeyFor(const std::string& alg, const SecretRing& secrets,
                          const KeyPolicy& policy, const Random& random, int64_t now_ms) {
  if (alg == kEdDsa) {
    auto key = SigningKey::Generate(random);
    if (!key.ok()) return key.error();
    return SealNewKey(GenerateId(random), std::move(*key), secrets, policy, random, now_ms);
  }
  auto key = OpenSslSigner::Generate(alg, GenerateId(random), policy.modulus_bits);
  if (!key.ok()) return key.error();
  auto private_jwk = (*key)->PrivateJwkJson();
  if (!private_jwk.ok()) return private_jwk.error();
  auto sealed = SealPrivateKey(private_jwk->view(), secrets, random);
  if (!sealed.ok()) return sealed.error();
  StoredKey row;
  row.kid = (*key)->kid();
  row.public_key_json = (*key)->PublicJwkJson();
  row.private_key = std::move(*sealed);
  row.alg = alg;
  row.crv = (*key)->crv();  // Better Auth writes crv only when the key has one (not RSA)
  row.created_at_ms = now_ms;
  if (policy.rotation_interval_ms) row.expires_at_ms = now_ms + *policy.rotation_interval_ms;
  return NewKey{std::move(row), SignerPtr(std::move(*key))};
}

Result<NewKey> SealNewKey(std::string kid, SigningKey key, const SecretRing& secrets,
                          const KeyPolicy& policy, const Random& random, int64_t now_ms) {
  auto private_jwk = PrivateJwkJson(key);
  if (!private_jwk.ok()) return private_jwk.error();
  auto sealed = SealPrivateKey(private_jwk->view(), secrets, random);
  if (!sealed.ok()) return sealed.error();
  StoredKey row;
  row.kid = std::move(kid);
  row.public_key_json = PublicJwkJson(key.public_key());
  row.private_key = std::move(*sealed);
  row.alg = kEdDsa;
  row.crv = "Ed25519";
  row.created_at_ms = now_ms;
  if (policy.rotation_interval_ms) row.expires_at_ms = now_ms + *policy.rotation_interval_ms;
  SignerPtr signer = std::make_shared<const Ed25519Signer>(row.kid, std::move(key));
  return NewKey{std::move(row), std::move(signer)};
}

}  // namespace issuer::keys
