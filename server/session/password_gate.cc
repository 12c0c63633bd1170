#include "server/session/password_gate.h"

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
  std::string hash = auth::HashPassword(password, random_);
  if (hash.empty()) return Error{Errc::kUnavailable, "scrypt failed"};
  return hash;
}

Result<bool> PasswordGate::Verify(std::string_view password, std::string_view stored) {
  if (!Acquire()) return Busy();
  SlotRelease slot([this] { Release(); });
  return auth::VerifyPassword(password, stored);
}

}  // namespace issuer::server
