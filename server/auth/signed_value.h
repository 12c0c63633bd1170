#pragma once

#include <sodium.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace issuer::server::auth {

// better-call's signed cookie values, as Better Auth uses them for `session_token` and
// `dont_remember` (compat §3.4), and the bearer plugin's `token.sig` (compat §3.6).
//
//   std::string cookie_value = EncodeUriComponent(SignValue(token, secret));   // Set-Cookie
//   std::optional<std::string> token = VerifySignedValue(raw_value, secret);    // Cookie

using HmacSha256Digest = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

// HMAC-SHA256 (RFC 2104 / FIPS 198-1) with a key of any length (keys over 64 bytes are hashed
// first, as WebCrypto and Node do). Better Auth keys it with the UTF-8 bytes of the secret.
HmacSha256Digest HmacSha256(std::string_view key, std::string_view message);

// Returns `value + "." + base64(HMAC-SHA256(secret, value))`, standard base64 with padding
// (always 44 characters). Not URI-encoded: callers put EncodeUriComponent(...) on the wire.
std::string SignValue(std::string_view value, std::string_view secret);

// Returns the value part of `signed_value` if its signature verifies under `secret`, else nullopt.
// The text is split at the LAST '.'; the value before it must be non-empty (better-call:
// lastIndexOf('.') < 1 is absent). The signature must be canonical base64 of exactly 32 bytes:
//   - allow_base64url == false (cookies, better-call getSignedCookie): 44 characters of standard
//     base64 ending in '='.
//   - allow_base64url == true (Authorization: Bearer): also the bearer plugin's spellings, i.e.
//     the standard or the URL-safe alphabet (not mixed), with one '=' (44 chars) or none (43).
// Non-canonical encodings (non-zero trailing bits, e.g. "...Y4d=") are rejected, although JS's
// lenient atob would accept them. The MAC comparison is constant-time. The input must already
// be URI-decoded (see DecodeUriComponent).
std::optional<std::string> VerifySignedValue(std::string_view signed_value, std::string_view secret,
                                             bool allow_base64url = false);

// JavaScript encodeURIComponent over UTF-8 bytes: A-Z a-z 0-9 and -_.!~*'() are kept, every
// other byte becomes %XX (uppercase hex).
std::string EncodeUriComponent(std::string_view text);

// JavaScript decodeURIComponent: every '%' must start a %XX escape (hex in either case) and the
// decoded bytes must be valid UTF-8; otherwise nullopt (where JS throws URIError). '+' is left
// as is. REQUIRES: `text` is valid UTF-8 (as every JS string is).
std::optional<std::string> DecodeUriComponent(std::string_view text);

}  // namespace issuer::server::auth
