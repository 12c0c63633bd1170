#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

#include "common/random.h"
#include "common/result.h"

namespace issuer::server {

// How many scrypt computations may run at once. Each takes ~60 ms of one core and 32 MiB
// (128 * r * N bytes, N = 16384, r = 16: Better Auth's parameters, fixed by the stored hashes),
// so 4 slots cap scrypt at 128 MiB and keep 2 cores busy without one hash starving the rest.
inline constexpr int kScryptSlots = 4;

// How long a sign-in or sign-up waits for a slot. 4 slots on 2 idle cores hash ~30 passwords a
// second (a third of that on a busy machine, or beside a Better Auth sharing the cores), so 10 s
// absorbs a burst of 100 to 300; past it the request gets 503 with Retry-After instead of
// holding its connection's worker for as long as the queue is. Waiting sign-ins would need to
// arrive at over 100 a second to fill the 1024 workers (server/http/server.h).
inline constexpr std::chrono::milliseconds kScryptWait{10000};

// Better Auth's password hashing behind kScryptSlots slots, so request threads cannot take
// gigabytes of scrypt memory at once nor wait for a slot without bound. Thread-safe.
class PasswordGate {
 public:
  explicit PasswordGate(Random random, std::chrono::milliseconds wait = kScryptWait)
      : random_(std::move(random)), wait_(wait) {}

  // Better Auth's "salt:key" hash. kUnavailable when no slot frees up within the wait, or when
  // scrypt fails (out of memory).
  Result<std::string> Hash(std::string_view password);
  // Whether `password` matches `stored`. kUnavailable when no slot frees up within the wait.
  Result<bool> Verify(std::string_view password, std::string_view stored);

 private:
  // Takes a slot, waiting at most wait_ (a duration on the steady clock: a timeout, not a time
  // of day, so not the service Clock). False if none freed up.
  bool Acquire();
  void Release();

  Random random_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable freed_;
  int free_ = kScryptSlots;
};

}  // namespace issuer::server
