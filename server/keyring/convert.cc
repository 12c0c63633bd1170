#include "server/keyring/convert.h"

namespace issuer::server {

keys::StoredKey ToStoredKey(storage::JwkRow row) {
  return keys::StoredKey{std::move(row.id),  std::move(row.public_key), std::move(row.private_key),
                         std::move(row.alg), std::move(row.crv),        row.created_at_ms,
                         row.expires_at_ms};
}

std::vector<keys::StoredKey> ToStoredKeys(std::vector<storage::JwkRow> rows) {
  std::vector<keys::StoredKey> stored;
  stored.reserve(rows.size());
  for (storage::JwkRow& row : rows) stored.push_back(ToStoredKey(std::move(row)));
  return stored;
}

storage::JwkRow ToJwkRow(const keys::StoredKey& key) {
  return storage::JwkRow{key.kid, key.public_key_json, key.private_key, key.created_at_ms,
                         key.expires_at_ms, key.alg, key.crv};
}

}  // namespace issuer::server
