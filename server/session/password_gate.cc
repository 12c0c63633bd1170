#include "server/session/password_gate.h"

#include "server/auth/password.h"

namespace issuer::server {
namespace {

// Holds one scrypt slot for a scope.
class SlotGuard {
 public:
  explicit SlotGuard(std::counting_semaphore<kScryptSlots>& slots) : slots_(slots) {
    slots_.acquire();
  }
  ~SlotGuard() { slots_.release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  std::counting_semaphore<kScryptSlots>& slots_;
};

}  // namespace

std::string PasswordGate::Hash(std::string_view password) {
  SlotGuard slot(slots_);
  return auth::HashPassword(password, random_);
}

bool PasswordGate::Verify(std::string_view password, std::string_view stored) {
  SlotGuard slot(slots_);
  return auth::VerifyPassword(password, stored);
}

}  // namespace issuer::server
