#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace issuer {

// `s` without leading and trailing spaces and tabs.
inline std::string_view TrimView(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == s.npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

inline std::string Trim(std::string_view s) { return std::string(TrimView(s)); }

// True if every byte of `s` is 7-bit ASCII. libsodium 1.0.18 (Debian 12) decodes every byte
// >= 0x80 as the last base64 character ('/' or '_'), so base64 text must pass this first.
inline bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// ASCII lowercase (header names, media types, schemes, hosts, emails as Better Auth does).
inline std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace issuer
