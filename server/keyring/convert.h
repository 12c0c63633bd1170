#pragma once

#include <vector>

#include "keys/key_ring.h"
#include "storage/rows.h"

namespace issuer::server {

// jwks rows between storage's and keys' views of them (same fields, no SQL or crypto types).
keys::StoredKey ToStoredKey(storage::JwkRow row);
std::vector<keys::StoredKey> ToStoredKeys(std::vector<storage::JwkRow> rows);
storage::JwkRow ToJwkRow(const keys::StoredKey& key);

}  // namespace issuer::server
