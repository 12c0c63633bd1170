#pragma once

#include <cstddef>
#include <functional>

namespace issuer {

// Fills the buffer with random bytes. Production passes libsodium's randombytes_buf (wired in
// server/main.cc); tests pass a deterministic source.
using Random = std::function<void(unsigned char* out, size_t len)>;

}  // namespace issuer
