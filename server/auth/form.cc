#include "server/auth/form.h"

#include <cstddef>

#include "server/auth/utf8.h"

namespace issuer::server::auth {
namespace {

// Value of a hex digit, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// '+' -> ' ', then WHATWG "percent-decode" (lenient), then UTF-8 decode with replacement.
std::string DecodeComponent(std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      bytes += ' ';
      continue;
    }
    const int hi = (c == '%' && i + 2 < text.size()) ? HexValue(text[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
    if (lo < 0) {
      bytes += c;
      continue;
    }
    bytes += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return ReplaceInvalidUtf8(bytes);
}

std::pair<std::string, std::string> ParsePair(std::string_view piece) {
  const size_t eq = piece.find('=');
  if (eq == std::string_view::npos) return {DecodeComponent(piece), ""};
  return {DecodeComponent(piece.substr(0, eq)), DecodeComponent(piece.substr(eq + 1))};
}

}  // namespace

std::optional<FormFields> ParseFormUrlEncoded(std::string_view body) {
  FormFields fields;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view piece = body.substr(0, amp);
    if (!piece.empty()) fields.push_back(ParsePair(piece));
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return fields;
}

}  // namespace issuer::server::auth
