#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace issuer::keys {

// Bytes in guarded memory (sodium_malloc): wiped and freed by sodium_free on destruction.
// Move-only, with no printing accessor. REQUIRES: sodium_init() has run.
class SecureBuffer {
 public:
  // Returns nullopt if the guarded allocation fails.
  static std::optional<SecureBuffer> Allocate(size_t size);
  // Copies `bytes` into a new buffer.
  static std::optional<SecureBuffer> CopyOf(std::string_view bytes);

  unsigned char* data() { return data_.get(); }
  const unsigned char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_.get()), size_};
  }

 private:
  struct Free {
    void operator()(unsigned char* p) const;
  };
  SecureBuffer(unsigned char* p, size_t size) : data_(p), size_(size) {}

  std::unique_ptr<unsigned char, Free> data_;
  size_t size_;
};

// Zeroes a transient buffer (a std::string that held secret bytes) when the scope ends.
class ScopedWipe {
 public:
  ScopedWipe(void* p, size_t size) : p_(p), size_(size) {}
  ~ScopedWipe();
  ScopedWipe(const ScopedWipe&) = delete;
  ScopedWipe& operator=(const ScopedWipe&) = delete;

 private:
  void* p_;
  size_t size_;
};

}  // namespace issuer::keys
