#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace issuer::keys {

// RFC 4648 §5 base64url without padding, as JOSE uses it (RFC 7515 §2).
std::string Base64UrlEncode(std::string_view bytes);
// The same text appended to `out`, by table lookup: not constant-time, so only for public
// bytes (JWS headers, payloads and signatures), never for key material.
void AppendBase64UrlPublic(std::string_view bytes, std::string* out);

// Strict inverse of Base64UrlEncode: rejects padding, '+', '/', whitespace and non-canonical
// trailing bits. Returns kInvalidArgument on any of those.
Result<std::string> Base64UrlDecode(std::string_view text);

// Lowercase hex.
std::string HexEncode(std::string_view bytes);

// Accepts upper- or lowercase hex of even length; kInvalidArgument otherwise.
Result<std::string> HexDecode(std::string_view text);

}  // namespace issuer::keys
