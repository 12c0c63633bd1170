#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/plugins/plugin.h"

namespace issuer::server {

// Better Auth's twoFactor() plugin (dist/plugins/two-factor of better-auth 1.7.25): the
// user.twoFactorEnabled column and the twoFactor table; a password sign-in of a user with it on
// answers {"twoFactorRedirect": true, "twoFactorMethods": [...]} with no session until
// /two-factor/verify-totp, verify-otp or verify-backup-code passes (unless a trusted-device
// cookie is live); enable, disable, get-totp-uri, send-otp and generate-backup-codes; the
// /two-factor/ rate limit (3 per 10 s). It runs whenever the user table has twoFactorEnabled.
// `options`: plugins.twoFactor of the config file (two_factor/options.h).
Result<std::unique_ptr<Plugin>> MakeTwoFactor(const nlohmann::json& options);

}  // namespace issuer::server
