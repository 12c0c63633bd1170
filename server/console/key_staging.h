#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "server/keyring/key_admin.h"
#include "storage/repository.h"

namespace issuer::server::console {

// Rotation ahead of time, on demand: a new key of the policy's alg, published at once as the
// standby, and the active key's expiresAt set to the lead time from now, when the standby
// takes over. So a verifier that cached the JWKS for up to max-age knows the new kid before it
// signs anything, as with the key timer's own rotations (keys/lifecycle.h). The standby's
// createdAt sorts just below the active key's (a Better Auth on the same store keeps signing
// with the active key too) and it expires one rotation interval after it takes over (never,
// without one). One ChangeJwks transaction; a running server of the same store sees it within
// a second.
struct StagedKey {
  std::string kid;
  int64_t signs_at_ms;  // when it takes over
};
// kNotFound when no key signs the policy's alg now; kConflict when a standby already waits.
Result<StagedKey> StageStandbyKey(storage::Repository& repo, const KeyAdminContext& ctx);

}  // namespace issuer::server::console
