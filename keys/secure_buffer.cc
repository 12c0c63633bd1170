#include "keys/secure_buffer.h"

#include <sodium.h>

#include <cstring>

namespace issuer::keys {

void SecureBuffer::Free::operator()(unsigned char* p) const { sodium_free(p); }

std::optional<SecureBuffer> SecureBuffer::Allocate(size_t size) {
  // sodium_malloc(0) is valid but returns a pointer we must still free; keep sizes >= 1.
  void* p = sodium_malloc(size == 0 ? 1 : size);
  if (p == nullptr) return std::nullopt;
  return SecureBuffer(static_cast<unsigned char*>(p), size);
}

std::optional<SecureBuffer> SecureBuffer::CopyOf(std::string_view bytes) {
  auto buf = Allocate(bytes.size());
  if (buf && !bytes.empty()) std::memcpy(buf->data(), bytes.data(), bytes.size());
  return buf;
}

ScopedWipe::~ScopedWipe() { sodium_memzero(p_, size_); }

}  // namespace issuer::keys
