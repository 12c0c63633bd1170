#include "keys/jws.h"

#include <nlohmann/json.hpp>

#include "keys/encoding.h"

namespace issuer::keys {

namespace {

std::string SigningInput(std::string_view header_json, std::string_view payload_json) {
  std::string input;
  // room for the signature too (an RSA-2048 or ES512 one at most), so the token is one buffer
  input.reserve((header_json.size() + payload_json.size() + 2) * 4 / 3 + 8 + 360);
  AppendBase64UrlPublic(header_json, &input);
  input += '.';
  AppendBase64UrlPublic(payload_json, &input);
  return input;
}

// Printable ASCII without '"' or '\': a JSON string body as it is.
bool PlainJsonText(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

std::string JwsHeaderJson(const Signer& signer) {
  if (PlainJsonText(signer.alg()) && PlainJsonText(signer.kid())) {  // always, for our kids
    return "{\"alg\":\"" + signer.alg() + "\",\"kid\":\"" + signer.kid() + "\"}";
  }
  return nlohmann::ordered_json{{"alg", signer.alg()}, {"kid", signer.kid()}}.dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<std::string> SignCompactJws(std::string_view header_json, std::string_view payload_json,
                                   const Signer& signer) {
  std::string token = SigningInput(header_json, payload_json);
  auto signature = signer.Sign(token);
  if (!signature.ok()) return signature.error();
  token += '.';
  AppendBase64UrlPublic(*signature, &token);
  return token;
}

std::string SignCompactJws(std::string_view header_json, std::string_view payload_json,
                           const SigningKey& key) {
  std::string token = SigningInput(header_json, payload_json);
  const std::string signature = key.Sign(token);
  token += '.';
  AppendBase64UrlPublic(signature, &token);
  return token;
}

Result<VerifiedJws> VerifyCompactJws(std::string_view token, const PublicKey& public_key) {
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == token.npos ? token.npos : token.find('.', dot1 + 1);
  if (dot2 == token.npos || token.find('.', dot2 + 1) != token.npos) {
    return Error{Errc::kInvalidArgument, "not a compact JWS"};
  }
  auto header = Base64UrlDecode(token.substr(0, dot1));
  auto payload = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header.ok() || !payload.ok() || !signature.ok()) {
    return Error{Errc::kInvalidArgument, "bad base64url segment"};
  }
  auto h = nlohmann::json::parse(*header, nullptr, /*allow_exceptions=*/false);
  const auto alg = h.is_object() ? h.find("alg") : h.end();
  if (!h.is_object() || alg == h.end() || *alg != "EdDSA" || h.contains("crit")) {
    return Error{Errc::kInvalidArgument, "header is not an EdDSA JWS header"};
  }
  if (!VerifyEd25519(public_key, token.substr(0, dot2), *signature)) {
    return Error{Errc::kUnauthenticated, "signature does not verify"};
  }
  return VerifiedJws{std::move(*header), std::move(*payload)};
}

}  // namespace issuer::keys
