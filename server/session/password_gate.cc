#include "server/session/password_gate.h"

#include <sys/resource.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <system_error>
#include <thread>

#include "server/auth/password.h"

namespace issuer::server {
namespace {

Error Busy() { return Error{Errc::kUnavailable, "all password hashing slots are busy"}; }

// Gives a taken slot back when the scope ends.
class SlotRelease {
 public:
  explicit SlotRelease(std::function<void()> release) : release_(std::move(release)) {}
  ~SlotRelease() { release_(); }
  SlotRelease(const SlotRelease&) = delete;
  SlotRelease& operator=(const SlotRelease&) = delete;

 private:
  std::function<void()> release_;
};

// Runs `work` on a thread of its own at nice +10, and waits for it: while scrypt (~60 ms of a
// core) runs, the threads serving /token and /jwks get the cores first, so their latency does
// not follow the sign-up rate. Inline if no thread can be started. Lowering a thread's own
// priority needs no privilege; the request's worker keeps its own.
template <typename T>
T AtLowPriority(const std::function<T()>& work) {
  T result{};
  std::exception_ptr failure;
  try {
    std::thread hasher([&] {
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);  // best effort
      try {
        result = work();
      } catch (...) {
        failure = std::current_exception();
      }
    });
    hasher.join();
  } catch (const std::system_error&) {
    return work();  // out of threads: hash here, at the worker's priority
  }
  if (failure) std::rethrow_exception(failure);
  return result;
}

}  // namespace

bool PasswordGate::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!freed_.wait_for(lock, wait_, [this] { return free_ > 0; })) return false;
  --free_;
  return true;
}

void PasswordGate::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++free_;
  }
  freed_.notify_one();
}

Result<std::string> PasswordGate::Hash(std::string_view password) {
  if (!Acquire()) return Busy();
  SlotRelease slot([this] { Release(); });
  std::string hash = AtLowPriority<std::string>(
      [&] { return auth::HashPassword(password, random_); });
  if (hash.empty()) return Error{Errc::kUnavailable, "scrypt failed"};
  return hash;
}

Result<bool> PasswordGate::Verify(std::string_view password, std::string_view stored) {
  if (!Acquire()) return Busy();
  SlotRelease slot([this] { Release(); });
  return AtLowPriority<bool>([&] { return auth::VerifyPassword(password, stored); });
}

}  // namespace issuer::server
