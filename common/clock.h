#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace issuer {

// Wall-clock milliseconds since the Unix epoch. Only Clock calls it; components ask their Clock.
inline int64_t SystemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The one clock of a running service, shared by reference by every component (sessions, JWT
// iat/exp, key rotation, rate limits, the logger). It can be set and advanced at run time, so
// tests (and the test API) move time for all of them at once.
//   Clock clock = Clock::System();        // wall time
//   Clock frozen = Clock::Fixed(t0_ms);   // stands still until Set or Advance
//   clock.Advance(60'000);                 // one minute later, for every component
// Thread-safe; not copyable (components hold a reference).
class Clock {
 public:
  static Clock System() { return Clock(/*frozen=*/false, 0); }
  static Clock Fixed(int64_t now_ms) { return Clock(/*frozen=*/true, now_ms); }

  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  Clock(Clock&& other) noexcept : frozen_(other.frozen_), value_(other.value_.load()) {}

  // Milliseconds since the Unix epoch.
  int64_t NowMs() const { return frozen_ ? value_.load() : SystemNowMs() + value_.load(); }
  // From now on NowMs() reads `now_ms` (and, unless frozen, runs on from there).
  void Set(int64_t now_ms) { value_.store(frozen_ ? now_ms : now_ms - SystemNowMs()); }
  void Advance(int64_t delta_ms) { value_.fetch_add(delta_ms); }
  bool frozen() const { return frozen_; }

 private:
  Clock(bool frozen, int64_t value) : frozen_(frozen), value_(value) {}

  const bool frozen_;
  std::atomic<int64_t> value_;  // frozen: the time; otherwise: the offset from wall time
};

}  // namespace issuer
