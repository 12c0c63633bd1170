#include "server/session/password_gate.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <functional>

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

// Linux's sched_attr (sched_setattr(2)); glibc 2.36 has no wrapper.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;  // for SCHED_OTHER since Linux 6.12: the task's slice (EEVDF)
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

// The slice a thread asks for while it hashes. A longer slice gives the scheduler (EEVDF, Linux
// 6.12 and later) later deadlines for it, so a request thread that wakes up runs first, while
// the hash keeps its fair share of the CPU: /token answers do not queue behind a 60 ms scrypt.
// Older kernels ignore it.
constexpr uint64_t kHashSliceNs = 20'000'000;

// Gives the calling thread kHashSliceNs for its lifetime, then the default slice again (sched
// runtime 0: writing back the slice read before would pin it as a custom one; no thread here
// sets one of its own). Best effort: any failure leaves the thread as it was.
class HashSlice {
 public:
  HashSlice() {
#ifdef SYS_sched_setattr
    attr_.size = sizeof attr_;
    if (syscall(SYS_sched_getattr, 0, &attr_, sizeof attr_, 0) != 0) return;
    if (attr_.sched_policy != SCHED_OTHER) return;
    attr_.sched_runtime = kHashSliceNs;
    set_ = syscall(SYS_sched_setattr, 0, &attr_, 0) == 0;
#endif
  }
  ~HashSlice() {
#ifdef SYS_sched_setattr
    if (!set_) return;
    attr_.sched_runtime = 0;
    (void)syscall(SYS_sched_setattr, 0, &attr_, 0);
#endif
  }
  HashSlice(const HashSlice&) = delete;
  HashSlice& operator=(const HashSlice&) = delete;

 private:
  SchedAttr attr_{};
  bool set_ = false;
};

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
  HashSlice slice;
  std::string hash = auth::HashPassword(password, random_);
  if (hash.empty()) return Error{Errc::kUnavailable, "scrypt failed"};
  return hash;
}

Result<bool> PasswordGate::Verify(std::string_view password, std::string_view stored) {
  if (!Acquire()) return Busy();
  SlotRelease slot([this] { Release(); });
  HashSlice slice;
  return auth::VerifyPassword(password, stored);
}

}  // namespace issuer::server
