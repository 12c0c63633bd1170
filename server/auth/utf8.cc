#include "server/auth/utf8.h"

#include <cstddef>

namespace issuer::server::auth {
namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// One step of a UTF-8 decoder: `length` bytes starting at the current position form either a
// complete valid sequence (`valid`) or a maximal ill-formed subpart (length >= 1).
struct Step {
  size_t length;
  bool valid;
};

// Unicode Table 3-7 (well-formed byte sequences): the lead byte fixes how many continuation bytes
// follow and narrows the range of the first of them (E0, ED, F0 and F4 are the special cases).
Step NextSequence(std::string_view s, size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {1, true};
  size_t need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return {1, false};
  }
  size_t length = 1;
  for (size_t k = 0; k < need; ++k, lo = 0x80, hi = 0xBF) {
    if (i + length >= s.size()) return {length, false};
    const auto c = static_cast<unsigned char>(s[i + length]);
    if (c < lo || c > hi) return {length, false};
    ++length;
  }
  return {length, true};
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const Step step = NextSequence(text, i);
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

std::string ReplaceInvalidUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    const Step step = NextSequence(bytes, i);
    if (step.valid) {
      out.append(bytes.substr(i, step.length));
    } else {
      out.append(kReplacementChar);
    }
    i += step.length;
  }
  return out;
}

}  // namespace issuer::server::auth
