#include "server/plugins/two_factor/codes.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "keys/base32.h"
#include "keys/one_time_codes.h"
#include "keys/seal.h"
#include "server/auth/signed_value.h"

namespace issuer::server::two_factor {
namespace {

constexpr std::string_view kBase32Prefix = "base32:";

// URLSearchParams' application/x-www-form-urlencoded serializer.
std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '*' || c == '-' || c == '.' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<std::string> SealSecret(AuthContext& ctx, const std::string& secret) {
  return keys::SymmetricEncrypt(secret, ctx.secrets.ring, ctx.random);
}

Result<keys::SecureBuffer> OpenSecret(AuthContext& ctx, const std::string& stored) {
  auto plain = keys::SymmetricDecrypt(stored, ctx.secrets.ring);
  if (!plain.ok()) return plain.error();
  if (plain->view().substr(0, kBase32Prefix.size()) != kBase32Prefix) return plain;
  std::string upper(plain->view().substr(kBase32Prefix.size()));
  keys::ScopedWipe wipe_upper(upper.data(), upper.size());
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto decoded = keys::Base32Decode(upper);
  if (!decoded.ok()) return decoded.error();
  keys::ScopedWipe wipe_decoded(decoded->data(), decoded->size());
  auto key = keys::SecureBuffer::CopyOf(*decoded);
  if (!key) return Error{Errc::kInternal, "secure allocation failed"};
  return std::move(*key);
}

Result<std::string> SealBackupCodes(AuthContext& ctx, const Options& options,
                                    const std::vector<std::string>& codes) {
  const std::string json = nlohmann::json(codes).dump();  // JSON.stringify(codes)
  if (!options.backup_codes.encrypted) return json;
  return keys::SymmetricEncrypt(json, ctx.secrets.ring, ctx.random);
}

Result<std::optional<std::vector<std::string>>> OpenBackupCodes(AuthContext& ctx,
                                                                const Options& options,
                                                                const std::string& stored) {
  using Codes = std::optional<std::vector<std::string>>;
  std::string text = stored;
  if (options.backup_codes.encrypted) {
    auto plain = keys::SymmetricDecrypt(stored, ctx.secrets.ring);
    if (!plain.ok()) return plain.error();
    text = std::string(plain->view());
  }
  keys::ScopedWipe wipe(text.data(), text.size());
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return Codes();
  std::vector<std::string> codes;
  for (const auto& code : parsed) {
    if (code.is_string()) codes.push_back(code.get<std::string>());
  }
  return Codes(std::move(codes));
}

std::string TotpUri(std::string_view key, const std::string& issuer, const std::string& account,
                    int digits, int64_t period_s) {
  return "otpauth://totp/" + auth::EncodeUriComponent(issuer) + ":" +
         auth::EncodeUriComponent(account) + "?secret=" + keys::Base32Encode(key) +
         "&issuer=" + FormEncode(issuer) + "&digits=" + std::to_string(digits) +
         "&period=" + std::to_string(period_s);
}

Result<std::string> StoreOtp(AuthContext& ctx, const Options& options, const std::string& otp) {
  if (options.otp.store == "hashed") return keys::HashOtp(otp);
  if (options.otp.store == "encrypted") {
    return keys::SymmetricEncrypt(otp, ctx.secrets.ring, ctx.random);
  }
  return otp;
}

Result<bool> OtpMatches(AuthContext& ctx, const Options& options, const std::string& stored,
                        const std::string& input) {
  if (options.otp.store == "hashed") return SameBytes(stored, keys::HashOtp(input));
  if (options.otp.store == "encrypted") {
    auto plain = keys::SymmetricDecrypt(stored, ctx.secrets.ring);
    if (!plain.ok()) return plain.error();
    return SameBytes(plain->view(), input);
  }
  return SameBytes(stored, input);
}

}  // namespace issuer::server::two_factor
