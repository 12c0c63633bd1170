#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace issuer::storage::redis {

// One command: its name and arguments, each binary-safe.
using Command = std::vector<std::string>;

// A reply as RESP gives it. An error reply (WRONGTYPE, NOSCRIPT, ...) is a reply, not a
// transport failure: the connection stays usable.
struct Reply {
  enum Kind { kNil, kString, kStatus, kInteger, kArray, kError };
  Kind kind = kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray
};

}  // namespace issuer::storage::redis
