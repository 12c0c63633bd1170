#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "keys/secure_buffer.h"
#include "server/plugins/two_factor/options.h"
#include "server/session/context.h"

namespace issuer::server::two_factor {

// The plugin's secrets as Better Auth stores them: the TOTP secret sealed with symmetricEncrypt
// under the auth secret (a "base32:<secret>" plaintext is an imported secret, decoded); backup
// codes as the JSON array of codes, sealed unless storeBackupCodes is "plain"; OTPs as
// storeOTP says.

Result<std::string> SealSecret(AuthContext& ctx, const std::string& secret);
// The TOTP key bytes of a stored secret.
Result<keys::SecureBuffer> OpenSecret(AuthContext& ctx, const std::string& stored);

Result<std::string> SealBackupCodes(AuthContext& ctx, const Options& options,
                                    const std::vector<std::string>& codes);
// The stored codes; nullopt when they are not a JSON array of strings (safeJSONParse: no codes).
Result<std::optional<std::vector<std::string>>> OpenBackupCodes(AuthContext& ctx,
                                                                const Options& options,
                                                                const std::string& stored);

// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=..&digits=..&period=..
// (encodeURIComponent for the label, URLSearchParams for the query).
std::string TotpUri(std::string_view key, const std::string& issuer, const std::string& account,
                    int digits, int64_t period_s);

// storeOTP: what the verification row keeps of `otp`, and whether `input` matches `stored`.
Result<std::string> StoreOtp(AuthContext& ctx, const Options& options, const std::string& otp);
Result<bool> OtpMatches(AuthContext& ctx, const Options& options, const std::string& stored,
                        const std::string& input);

}  // namespace issuer::server::two_factor
