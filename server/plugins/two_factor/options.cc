#include "server/plugins/two_factor/options.h"

#include <functional>
#include <map>

namespace issuer::server::two_factor {
namespace {

using nlohmann::json;
using Reader = std::function<std::optional<std::string>(const json&)>;  // error text or nullopt

Error Bad(const std::string& key, const std::string& why) {
  return Error{Errc::kInvalidArgument, key + ": " + why};
}

// A reader for a whole number in [min, max].
template <typename T>
Reader Int(T* out, int64_t min, int64_t max) {
  return [out, min, max](const json& v) -> std::optional<std::string> {
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
      return "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    }
    *out = static_cast<T>(v.get<int64_t>());
    return std::nullopt;
  };
}

Reader Bool(bool* out) {
  return [out](const json& v) -> std::optional<std::string> {
    if (!v.is_boolean()) return "expected true or false";
    *out = v.get<bool>();
    return std::nullopt;
  };
}

Reader OneOf(std::string* out, std::vector<std::string> allowed) {
  return [out, allowed](const json& v) -> std::optional<std::string> {
    for (const auto& a : allowed) {
      if (v == a) {
        *out = a;
        return std::nullopt;
      }
    }
    std::string names;
    for (const auto& a : allowed) names += (names.empty() ? "\"" : ", \"") + a + "\"";
    return "expected one of " + names;
  };
}

// Applies `readers` to the object `section` (called `prefix`); unknown keys are errors.
Status ReadSection(const json& section, const std::string& prefix,
                   const std::map<std::string, Reader>& readers) {
  if (!section.is_object()) return Bad(prefix, "expected an object");
  for (const auto& [key, value] : section.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    auto it = readers.find(key);
    if (it == readers.end()) return Bad(name, "unknown option");
    if (auto why = it->second(value)) return Bad(name, *why);
  }
  return Status::Ok();
}

Reader Section(const std::string& name, std::map<std::string, Reader> readers,
               Status* failure) {
  return [name, readers, failure](const json& v) -> std::optional<std::string> {
    Status st = ReadSection(v, name, readers);
    if (st.ok()) return std::nullopt;
    *failure = st;
    return "";  // the nested error is reported whole
  };
}

}  // namespace

Result<Options> ParseOptions(const json& options) {
  Options o;
  Status nested = Status::Ok();
  std::string store_backup = "encrypted";
  constexpr int64_t kYear = 366LL * 24 * 3600;
  const std::map<std::string, Reader> readers = {
      {"issuer",
       [&o](const json& v) -> std::optional<std::string> {
         if (!v.is_string()) return "expected a string";
         o.issuer = v.get<std::string>();
         return std::nullopt;
       }},
      {"skipVerificationOnEnable", Bool(&o.skip_verification_on_enable)},
      {"allowPasswordless", Bool(&o.allow_passwordless)},
      {"twoFactorCookieMaxAge", Int(&o.two_factor_cookie_max_age_s, 1, kYear)},
      {"trustDeviceMaxAge", Int(&o.trust_device_max_age_s, 1, 10 * kYear)},
      {"totpOptions", Section("totpOptions",
                              {{"digits", Int(&o.totp.digits, 1, 8)},
                               {"period", Int(&o.totp.period_s, 1, 3600)},
                               {"disable", Bool(&o.totp.disable)}},
                              &nested)},
      {"otpOptions", Section("otpOptions",
                             {{"digits", Int(&o.otp.digits, 1, 32)},
                              {"period", Int(&o.otp.period_min, 1, 24 * 60)},
                              {"allowedAttempts", Int(&o.otp.allowed_attempts, 1, 1000)},
                              {"storeOTP", OneOf(&o.otp.store, {"plain", "hashed", "encrypted"})}},
                             &nested)},
      {"backupCodeOptions",
       Section("backupCodeOptions",
               {{"amount", Int(&o.backup_codes.amount, 1, 1000)},
                {"length", Int(&o.backup_codes.length, 1, 256)},
                {"storeBackupCodes", OneOf(&store_backup, {"encrypted", "plain"})}},
               &nested)},
      {"accountLockout", Section("accountLockout",
                                 {{"enabled", Bool(&o.lockout.enabled)},
                                  {"maxFailedAttempts", Int(&o.lockout.max_failed_attempts, 1, 1000000)},
                                  {"durationSeconds", Int(&o.lockout.duration_s, 1, kYear)}},
                                 &nested)},
  };
  Status st = ReadSection(options, "", readers);
  if (!nested.ok()) return nested.error();
  if (!st.ok()) return st.error();
  o.backup_codes.encrypted = store_backup == "encrypted";
  return o;
}

}  // namespace issuer::server::two_factor
