#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace issuer::keys {

// One-time passwords (RFC 4226 HOTP, RFC 6238 TOTP) as @better-auth/utils/otp computes them
// for Better Auth's two-factor plugin: the key is the secret's bytes as given (Better Auth uses
// the UTF-8 bytes of its 32-character secret, not a base32 decoding), dynamic truncation, the
// code zero-padded to `digits`.

enum class OtpHash { kSha1, kSha256, kSha512 };  // Better Auth uses SHA-1

struct TotpParams {
  int digits = 6;          // 1..8
  int64_t period_s = 30;   // time step
  OtpHash hash = OtpHash::kSha1;
};

// HOTP(key, counter). REQUIRES: 1 <= digits <= 8.
std::string HotpCode(std::string_view key, uint64_t counter, int digits,
                     OtpHash hash = OtpHash::kSha1);

// TOTP at Unix time `now_ms`: HOTP with counter floor(now / period).
std::string TotpCode(std::string_view key, int64_t now_ms, const TotpParams& params = {});

// Whether `code` is the TOTP of the time steps now-window .. now+window (Better Auth: window 1),
// compared in constant time over every step.
bool VerifyTotp(std::string_view code, std::string_view key, int64_t now_ms,
                const TotpParams& params = {}, int window = 1);

}  // namespace issuer::keys
