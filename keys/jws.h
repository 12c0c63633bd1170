#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "keys/ed25519.h"
#include "keys/signer.h"

namespace issuer::keys {

// The protected header Better Auth's jwt plugin sends: {"alg":<signer alg>,"kid":<kid>}.
std::string JwsHeaderJson(const Signer& signer);

// RFC 7515 compact serialisation: b64url(header) "." b64url(payload) "." b64url(signature).
// The JSON texts are signed exactly as given.
Result<std::string> SignCompactJws(std::string_view header_json, std::string_view payload_json,
                                   const Signer& signer);
// The same with a bare Ed25519 key (known-answer tests).
std::string SignCompactJws(std::string_view header_json, std::string_view payload_json,
                           const SigningKey& key);

struct VerifiedJws {
  std::string header_json;
  std::string payload_json;
};

// Verifies a compact JWS against one Ed25519 key. Rejects anything but three base64url
// segments, a header whose alg is not exactly "EdDSA", a "crit" member, and bad signatures.
// Does not look at claims (exp, iss, aud): that is the caller's policy.
Result<VerifiedJws> VerifyCompactJws(std::string_view token, const PublicKey& public_key);

}  // namespace issuer::keys
