#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace issuer {

// Milliseconds since the Unix epoch. Everything time-dependent takes one of these, so tests can
// fix or advance time.
using Clock = std::function<int64_t()>;

inline int64_t SystemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline Clock SystemClock() { return &SystemNowMs; }

}  // namespace issuer
