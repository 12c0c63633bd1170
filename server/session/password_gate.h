#pragma once

#include <chrono>
#include <semaphore>
#include <string>
#include <string_view>

#include "common/random.h"

namespace issuer::server {

// How many scrypt computations (~60 ms, 32 MiB each) may run at once.
inline constexpr int kScryptSlots = 4;

// Better Auth's password hashing behind a fixed number of slots, so the request threads cannot
// take gigabytes of scrypt memory at once. Thread-safe.
class PasswordGate {
 public:
  explicit PasswordGate(Random random) : random_(std::move(random)) {}

  // Better Auth's "salt:key" hash; "" if scrypt failed.
  std::string Hash(std::string_view password);
  bool Verify(std::string_view password, std::string_view stored);

 private:
  Random random_;
  std::counting_semaphore<kScryptSlots> slots_{kScryptSlots};
};

}  // namespace issuer::server
