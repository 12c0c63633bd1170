#include "server/auth/signed_value.h"

#include <array>
#include <cstddef>
#include <functional>
#include <utility>

#include "common/text.h"
#include "server/auth/utf8.h"

namespace issuer::server::auth {
namespace {

constexpr size_t kPaddedSignatureChars = 44;    // base64 of 32 bytes, with one '='
constexpr size_t kUnpaddedSignatureChars = 43;  // the same without padding
constexpr char kHexDigits[] = "0123456789ABCDEF";

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Base64(const HmacSha256Digest& mac, int variant) {
  std::string text(sodium_base64_ENCODED_LEN(mac.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), mac.data(), mac.size(), variant);
  text.pop_back();  // the terminating NUL counted by sodium_base64_ENCODED_LEN
  return text;
}

// Decodes `text` as a whole in `variant`. libsodium rejects ASCII characters outside the
// variant's alphabet, wrong padding and non-zero trailing bits, so with non-ASCII refused first
// only the canonical spelling passes.
bool DecodeMac(std::string_view text, int variant, HmacSha256Digest& mac) {
  if (!IsAscii(text)) return false;
  size_t bin_len = 0;
  const int rc = sodium_base642bin(mac.data(), mac.size(), text.data(), text.size(), nullptr,
                                   &bin_len, nullptr, variant);
  return rc == 0 && bin_len == mac.size();
}

// better-call getSignedCookie: 44 characters, last one '='.
bool DecodeCookieSignature(std::string_view sig, HmacSha256Digest& mac) {
  if (sig.size() != kPaddedSignatureChars || sig.back() != '=') return false;
  return DecodeMac(sig, sodium_base64_VARIANT_ORIGINAL, mac);
}

// Bearer plugin: @better-auth/utils base64 decoding picks the URL-safe alphabet when it sees '-'
// or '_' and the standard one otherwise, and the plugin strips one '=' before verifying.
bool DecodeBearerSignature(std::string_view sig, HmacSha256Digest& mac) {
  const bool padded = !sig.empty() && sig.back() == '=';
  if (sig.size() != (padded ? kPaddedSignatureChars : kUnpaddedSignatureChars)) return false;
  const bool url_safe = sig.find_first_of("-_") != std::string_view::npos;
  int variant = 0;
  if (url_safe) {
    variant = padded ? sodium_base64_VARIANT_URLSAFE : sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  } else {
    variant = padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  }
  return DecodeMac(sig, variant, mac);
}

bool IsUriUnreserved(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-_.!~*'()").find(static_cast<char>(c)) != std::string_view::npos;
}

// Value of a hex digit, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

namespace {

// The HMAC state right after keying (the padded key's inner and outer hashes), kept per thread
// for the last key used: a server MACs every cookie with the same secret, so each MAC then
// hashes the message alone. With it, the signed values this thread last found valid under that
// key (a session's cookie comes back on each of its requests), in a small two-way table: 64 sets
// of two, the newer first. All of it is wiped when the thread ends or the key changes.
struct KeyedHmac {
  static constexpr size_t kVerifiedSets = 64;
  struct Verified {
    std::string signed_value;
    bool base64url = false;  // accepted under VerifySignedValue's allow_base64url
  };

  std::string key;
  crypto_auth_hmacsha256_state state{};
  bool set = false;
  std::array<std::array<Verified, 2>, kVerifiedSets> verified;  // sets of two ways

  ~KeyedHmac() { Wipe(); }
  void Wipe() {
    sodium_memzero(key.data(), key.size());
    sodium_memzero(&state, sizeof state);
    for (auto& ways : verified) {
      for (Verified& v : ways) {
        sodium_memzero(v.signed_value.data(), v.signed_value.size());
        v.signed_value.clear();
      }
    }
    set = false;
  }
  const crypto_auth_hmacsha256_state& For(std::string_view k) {
    if (!set || key.size() != k.size() || sodium_memcmp(key.data(), k.data(), k.size()) != 0) {
      Wipe();
      key.assign(k);
      crypto_auth_hmacsha256_init(&state, Bytes(k), k.size());
      set = true;
    }
    return state;
  }
  // The two ways that `signed_value` would be found in. REQUIRES: For(key) called just before.
  std::array<Verified, 2>& SetFor(std::string_view signed_value) {
    return verified[std::hash<std::string_view>{}(signed_value) % kVerifiedSets];
  }
};

KeyedHmac& ThreadKeyedHmac() {
  thread_local KeyedHmac keyed;
  return keyed;
}

// Whether `slot` holds `signed_value`, accepted under the same rules; constant-time in the bytes.
bool Holds(const KeyedHmac::Verified& slot, std::string_view signed_value, bool base64url) {
  return slot.base64url == base64url && slot.signed_value.size() == signed_value.size() &&
         sodium_memcmp(slot.signed_value.data(), signed_value.data(), signed_value.size()) == 0;
}

}  // namespace

HmacSha256Digest HmacSha256(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state = ThreadKeyedHmac().For(key);
  crypto_auth_hmacsha256_update(&state, Bytes(message), message.size());
  HmacSha256Digest mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);  // holds the padded key's hashes
  return mac;
}

std::string SignValue(std::string_view value, std::string_view secret) {
  std::string signed_value(value);
  signed_value += '.';
  signed_value += Base64(HmacSha256(secret, value), sodium_base64_VARIANT_ORIGINAL);
  return signed_value;
}

std::optional<std::string> VerifySignedValue(std::string_view signed_value, std::string_view secret,
                                             bool allow_base64url) {
  const size_t dot = signed_value.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view value = signed_value.substr(0, dot);
  KeyedHmac& keyed = ThreadKeyedHmac();
  keyed.For(secret);
  std::array<KeyedHmac::Verified, 2>& ways = keyed.SetFor(signed_value);
  if (Holds(ways[0], signed_value, allow_base64url) ||
      Holds(ways[1], signed_value, allow_base64url)) {
    return std::string(value);
  }
  const std::string_view sig = signed_value.substr(dot + 1);
  HmacSha256Digest given{};
  const bool decoded =
      allow_base64url ? DecodeBearerSignature(sig, given) : DecodeCookieSignature(sig, given);
  if (!decoded) return std::nullopt;
  const HmacSha256Digest expected = HmacSha256(secret, value);
  if (sodium_memcmp(given.data(), expected.data(), expected.size()) != 0) return std::nullopt;
  sodium_memzero(ways[1].signed_value.data(), ways[1].signed_value.size());
  std::swap(ways[0], ways[1]);  // the older one goes
  ways[0].signed_value.assign(signed_value);
  ways[0].base64url = allow_base64url;
  return std::string(value);
}

std::string EncodeUriComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUriUnreserved(c)) {
      out += ch;
      continue;
    }
    out += '%';
    out += kHexDigits[c >> 4];
    out += kHexDigits[c & 0x0F];
  }
  return out;
}

std::optional<std::string> DecodeUriComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = HexValue(text[i + 1]);
    const int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  // JS decodes each escaped sequence as UTF-8 and throws on a malformed one; since the literal
  // parts are valid UTF-8, that is the same as requiring the whole result to be valid.
  if (!IsValidUtf8(out)) return std::nullopt;
  return out;
}

}  // namespace issuer::server::auth
