#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace issuer::server {

// Better Auth's email verification token: an HS256 JWT keyed with the UTF-8 bytes of the secret,
// header {"alg":"HS256"}, payload {email, userId?, iat, exp} (signJWT, jose SignJWT).
struct VerificationClaims {
  std::string email;  // lowercase
  std::optional<std::string> user_id;
  std::optional<std::string> update_to;  // a change-email token (not served by ba-issuer)
};

std::string SignVerificationToken(const VerificationClaims& claims, std::string_view secret,
                                  int64_t now_ms, int64_t expires_in_s);

enum class TokenCheck { kValid, kExpired, kInvalid };
struct CheckedToken {
  TokenCheck outcome = TokenCheck::kInvalid;
  VerificationClaims claims;  // kValid
};

// jose's jwtVerify with algorithms ["HS256"]: the signature, then exp (expired when
// exp <= now), nbf and iat types; then the payload must carry a string email.
CheckedToken CheckVerificationToken(std::string_view token, std::string_view secret,
                                    int64_t now_ms);

}  // namespace issuer::server
