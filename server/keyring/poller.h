#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/keyring/key_manager.h"

namespace issuer::server {

// The key timer: four times a second, from construction until destruction, picks up keys that
// other processes added, changed or removed, and rotates ahead of time (KeyManager::Tick).
// A tick that changes nothing costs one PRAGMA data_version.
class KeyPoller {
 public:
  explicit KeyPoller(KeyManager& keys,
                     std::chrono::milliseconds period = std::chrono::milliseconds(250));
  ~KeyPoller();
  KeyPoller(const KeyPoller&) = delete;
  KeyPoller& operator=(const KeyPoller&) = delete;

 private:
  void Run();

  KeyManager& keys_;
  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace issuer::server
