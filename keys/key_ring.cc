#include "keys/key_ring.h"

#include <nlohmann/json.hpp>

#include "common/ids.h"
#include "keys/ed25519_signer.h"
#include "keys/jwk.h"

namespace issuer::keys {
namespace {

// The algorithm a row signs with: its alg column, or the configured default when NULL.
const std::string& AlgOf(const StoredKey& row, const KeyPolicy& policy) {
  return row.alg ? *row.alg : policy.alg;
}

bool Live(const StoredKey& row, int64_t now_ms) {
  return !row.expires_at_ms || *row.expires_at_ms > now_ms;
}

Error KeyError(const StoredKey& row, const Error& cause) {
  return Error{cause.code, "jwks key " + row.kid + ": " + cause.message};
}

// Unseals one row; for algorithms we sign with also parses the private JWK into a signer.
Result<SignerPtr> OpenRow(const StoredKey& row, const KeyPolicy& policy,
                          const SecretRing& secrets) {
  auto plain = UnsealPrivateKey(row.private_key, secrets);
  if (!plain.ok()) return KeyError(row, plain.error());
  if (AlgOf(row, policy) != kEdDsa) return SignerPtr();
  auto key = ParsePrivateJwk(plain->view());
  if (!key.ok()) return KeyError(row, key.error());
  // The JWKS publishes publicKey: a key whose published half differs would sign tokens that no
  // one can verify.
  auto published = ParsePublicJwk(row.public_key_json);
  if (!published.ok() || *published != key->public_key()) {
    return KeyError(row, Error{Errc::kInvalidArgument, "publicKey does not match the private key"});
  }
  return SignerPtr(std::make_shared<const Ed25519Signer>(row.kid, std::move(*key)));
}

}  // namespace

bool KeyRing::Published(const StoredKey& row, int64_t now_ms) const {
  return !row.expires_at_ms || *row.expires_at_ms + policy_.grace_period_ms > now_ms;
}

Result<KeyRing> KeyRing::Open(std::vector<StoredKey> rows, const SecretRing& secrets,
                              const KeyPolicy& policy, int64_t now_ms) {
  KeyRing ring({}, policy);
  for (StoredKey& row : rows) {
    if (!ring.Published(row, now_ms)) continue;
    auto signer = OpenRow(row, policy, secrets);
    if (!signer.ok()) return signer.error();
    row.private_key.clear();
    ring.keys_.push_back(RingKey{std::move(row), std::move(*signer)});
  }
  return ring;
}

const RingKey* KeyRing::Signer(int64_t now_ms) const {
  const RingKey* best = nullptr;
  for (const RingKey& k : keys_) {
    if (!k.signer || AlgOf(k.row, policy_) != policy_.alg || !Live(k.row, now_ms)) continue;
    if (best == nullptr || k.row.created_at_ms > best->row.created_at_ms) best = &k;
  }
  return best;
}

std::string KeyRing::JwksJson(int64_t now_ms) const {
  using ordered = nlohmann::ordered_json;
  ordered keys = ordered::array();
  for (const RingKey& k : keys_) {
    if (!Published(k.row, now_ms)) continue;
    // Better Auth: {alg: row.alg ?? "EdDSA", crv: row.crv, ...JSON.parse(publicKey), kid}.
    ordered jwk = {{"alg", AlgOf(k.row, policy_)}};
    if (k.row.crv) jwk["crv"] = *k.row.crv;
    ordered pub = ordered::parse(k.row.public_key_json, nullptr, /*allow_exceptions=*/false);
    if (!pub.is_object()) continue;
    for (auto& [name, value] : pub.items()) {
      if (name != "d") jwk[name] = value;  // a private member never leaves the server
    }
    jwk["kid"] = k.row.kid;
    keys.push_back(std::move(jwk));
  }
  return ordered{{"keys", std::move(keys)}}.dump();
}

Result<NewKey> MakeKey(const SecretRing& secrets, const KeyPolicy& policy, const Random& random,
                       int64_t now_ms) {
  if (policy.alg != kEdDsa) {
    return Error{Errc::kInvalidArgument, "cannot make " + policy.alg + " keys"};
  }
  auto key = SigningKey::Generate(random);
  if (!key.ok()) return key.error();
  auto private_jwk = PrivateJwkJson(*key);
  if (!private_jwk.ok()) return private_jwk.error();
  auto sealed = SealPrivateKey(private_jwk->view(), secrets, random);
  if (!sealed.ok()) return sealed.error();
  StoredKey row;
  row.kid = GenerateId(random);
  row.public_key_json = PublicJwkJson(key->public_key());
  row.private_key = std::move(*sealed);
  row.alg = kEdDsa;
  row.crv = "Ed25519";
  row.created_at_ms = now_ms;
  if (policy.rotation_interval_ms) row.expires_at_ms = now_ms + *policy.rotation_interval_ms;
  SignerPtr signer = std::make_shared<const Ed25519Signer>(row.kid, std::move(*key));
  return NewKey{std::move(row), std::move(signer)};
}

}  // namespace issuer::keys
