#pragma once

#include <string>

#include "common/random.h"

namespace issuer {

// Better Auth's generateId: `size` characters from a-zA-Z0-9 (in that order), chosen by
// rejection sampling (byte b is used only if b < 248, as b % 62). Used for every row id, for
// session tokens and for JWT key ids.
inline std::string GenerateId(const Random& random, size_t size = 32) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id;
  id.reserve(size);
  unsigned char buf[64];
  while (id.size() < size) {
    random(buf, sizeof buf);
    for (unsigned char b : buf) {
      if (b >= 248) continue;
      id.push_back(kAlphabet[b % 62]);
      if (id.size() == size) break;
    }
  }
  return id;
}

}  // namespace issuer
