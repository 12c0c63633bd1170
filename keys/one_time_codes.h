#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"

namespace issuer::keys {

// Random strings as Better Auth's generateRandomString makes them (createRandomStringGenerator):
// each character is alphabet[b % n] for a random byte b, bytes b >= floor(256 / n) * n being
// skipped, so every character is equally likely.
std::string RandomString(const Random& random, size_t length, std::string_view alphabet);

// The alphabets Better Auth names "a-z" "0-9" "A-Z" "-_", joined in the order it joins them.
inline constexpr std::string_view kUrlAlphabet =
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_";  // the default
inline constexpr std::string_view kAlnumAlphabet =
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";  // "a-z", "0-9", "A-Z"
inline constexpr std::string_view kDigitAlphabet = "0123456789";

// A TOTP secret as two-factor's enable makes it: 32 characters of the default alphabet, used as
// its UTF-8 bytes.
std::string NewTotpSecret(const Random& random);

// An emailed one-time code: `digits` decimal digits.
std::string NewOtp(const Random& random, size_t digits);

// Backup codes: `amount` codes of `length` letters and digits, a '-' after the fifth
// ("AbCdE-12345" for length 10).
std::vector<std::string> NewBackupCodes(const Random& random, size_t amount, size_t length);

// Two-factor's storeOTP "hashed" (defaultKeyHasher): base64url(SHA-256(otp)) without padding.
std::string HashOtp(std::string_view otp);

}  // namespace issuer::keys
