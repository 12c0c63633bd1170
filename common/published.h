#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace issuer {

// An immutable value replaced now and then and read on every request (the key ring, the
// repository's queries). Get() takes no lock while the value is unchanged: each thread keeps
// the copy it last read, with the version it had. Versions are unique in the process, so a
// copy kept for a Published that is gone never passes for another's. A thread's copy keeps its
// value alive until that thread reads again or ends.
//   Published<Ring> ring;
//   ring.Set(std::make_shared<const Ring>(...));
//   std::shared_ptr<const Ring> r = ring.Get();
template <typename T>
class Published {
 public:
  std::shared_ptr<const T> Get() const {
    thread_local Copy copy;
    const uint64_t version = version_.load(std::memory_order_acquire);
    if (copy.owner == this && copy.version == version) return copy.value;
    std::lock_guard<std::mutex> lock(mu_);
    copy.value = value_;
    copy.version = version_.load(std::memory_order_relaxed);
    copy.owner = this;
    return copy.value;
  }

  void Set(std::shared_ptr<const T> value) {
    static std::atomic<uint64_t> next_version{1};
    std::lock_guard<std::mutex> lock(mu_);
    value_ = std::move(value);
    version_.store(next_version.fetch_add(1), std::memory_order_release);
  }

 private:
  struct Copy {
    const Published* owner = nullptr;
    uint64_t version = 0;
    std::shared_ptr<const T> value;
  };

  // Not std::atomic<std::shared_ptr>: libstdc++ 12's load() releases its lock bit with
  // memory_order_relaxed, which TSan reports as a race with store().
  mutable std::mutex mu_;  // guards value_; held only to copy or replace the pointer
  std::shared_ptr<const T> value_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace issuer
