#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace issuer::server::two_factor {

// twoFactor()'s options, under the config file's plugins.twoFactor with Better Auth's names and
// defaults. Options that are functions in Better Auth (sendOTP, customBackupCodesGenerate,
// storeBackupCodes/storeOTP objects) cannot be written in a config file: the OTP goes to the dev
// mailbox (kind "two-factor-otp", piped to --mail-command), as ref-server.mjs's sendOTP does.
struct Options {
  std::optional<std::string> issuer;    // the TOTP URI's issuer (default: appName "Better Auth")
  bool skip_verification_on_enable = false;
  bool allow_passwordless = false;      // no password needed for users without a credential
  int64_t two_factor_cookie_max_age_s = 600;
  int64_t trust_device_max_age_s = 2592000;  // 30 days
  struct Totp {
    int digits = 6;
    int64_t period_s = 30;
    bool disable = false;
  } totp;
  struct Otp {
    int digits = 6;
    int64_t period_min = 3;        // minutes
    int allowed_attempts = 5;
    std::string store = "plain";   // storeOTP: "plain", "hashed" or "encrypted"
  } otp;
  struct BackupCodes {
    int amount = 10;
    int length = 10;
    bool encrypted = true;         // storeBackupCodes: "encrypted" (default) or "plain"
  } backup_codes;
  struct Lockout {
    bool enabled = true;
    int max_failed_attempts = 10;
    int64_t duration_s = 900;
  } lockout;
};

// Reads plugins.twoFactor. kInvalidArgument naming the option for an unknown key or a bad value
// (a startup error).
Result<Options> ParseOptions(const nlohmann::json& options);

}  // namespace issuer::server::two_factor
