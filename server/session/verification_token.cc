#include "server/session/verification_token.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "keys/encoding.h"
#include "server/auth/signed_value.h"

namespace issuer::server {
namespace {

using nlohmann::json;

std::string Mac(std::string_view secret, std::string_view signing_input) {
  const auth::HmacSha256Digest digest = auth::HmacSha256(secret, signing_input);
  return keys::Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::optional<json> DecodePart(std::string_view part) {
  auto bytes = keys::Base64UrlDecode(part);
  if (!bytes.ok()) return std::nullopt;
  json value = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

bool NumberOrAbsent(const json& payload, const char* name) {
  return !payload.contains(name) || payload[name].is_number();
}

}  // namespace

std::string SignVerificationToken(const VerificationClaims& claims, std::string_view secret,
                                  int64_t now_ms, int64_t expires_in_s) {
  const int64_t now_s = now_ms / 1000;
  nlohmann::ordered_json payload = {{"email", claims.email}};
  if (claims.update_to) payload["updateTo"] = *claims.update_to;
  if (claims.user_id) payload["userId"] = *claims.user_id;
  payload["iat"] = now_s;
  payload["exp"] = now_s + expires_in_s;
  const std::string input = keys::Base64UrlEncode(R"({"alg":"HS256"})") + "." +
                            keys::Base64UrlEncode(payload.dump(-1, ' ', false,
                                                               json::error_handler_t::replace));
  return input + "." + Mac(secret, input);
}

CheckedToken CheckVerificationToken(std::string_view token, std::string_view secret,
                                    int64_t now_ms) {
  CheckedToken out;
  const size_t first = token.find('.');
  const size_t last = token.rfind('.');
  if (first == std::string_view::npos || first == last) return out;
  const std::string_view input = token.substr(0, last);
  const std::string expected = Mac(secret, input);
  const std::string_view given = token.substr(last + 1);
  if (given.size() != expected.size() ||
      sodium_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return out;
  }
  auto header = DecodePart(token.substr(0, first));
  auto payload = DecodePart(token.substr(first + 1, last - first - 1));
  if (!header || !payload || (*header)["alg"] != "HS256") return out;
  if (!NumberOrAbsent(*payload, "exp") || !NumberOrAbsent(*payload, "iat") ||
      !NumberOrAbsent(*payload, "nbf")) {
    return out;
  }
  const double now_s = static_cast<double>(now_ms / 1000);
  if (payload->contains("nbf") && (*payload)["nbf"].get<double>() > now_s) return out;
  if (payload->contains("exp") && (*payload)["exp"].get<double>() <= now_s) {
    out.outcome = TokenCheck::kExpired;
    return out;
  }
  if (!(*payload)["email"].is_string()) return out;
  out.claims.email = (*payload)["email"].get<std::string>();
  if ((*payload)["userId"].is_string()) out.claims.user_id = (*payload)["userId"].get<std::string>();
  if ((*payload)["updateTo"].is_string()) out.claims.update_to = (*payload)["updateTo"].get<std::string>();
  out.outcome = TokenCheck::kValid;
  return out;
}

}  // namespace issuer::server
