#include "server/keyring/poller.h"

namespace issuer::server {

KeyPoller::KeyPoller(KeyManager& keys, std::chrono::milliseconds period)
    : keys_(keys), period_(period), thread_([this] { Run(); }) {}

KeyPoller::~KeyPoller() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void KeyPoller::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period_, [this] { return stop_; })) {
    lock.unlock();
    try {
      keys_.Tick();
    } catch (...) {
      // Nothing may end this thread (and with it the process); the next poll tries again.
    }
    lock.lock();
  }
}

}  // namespace issuer::server
