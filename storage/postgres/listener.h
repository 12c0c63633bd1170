#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace issuer::storage::pg {

// The channel ba-issuer notifies after changing jwks (payload: a short tag, never key data).
inline constexpr const char* kJwksChannel = "ba_jwks";

// The change signals of the PostgreSQL store, heard by LISTEN on a dedicated connection outside
// the pool:
// - version(): moves on every NOTIFY on kJwksChannel, after every reconnection (notifications
//   are lost while disconnected), and once every `poll` (keys written without a NOTIFY, e.g.
//   by Better Auth). The key ring re-reads jwks when it moves.
// - sessions_version(): moves on every NOTIFY on kSessionsChannel (change_triggers.h) and on
//   every (re)connection, before listening() turns true. The session cache keeps rows only
//   while it stands still, and is not used while listening() is false (changes go unheard).
class Listener {
 public:
  Listener(std::string conninfo, std::vector<std::string> setup, std::chrono::milliseconds poll);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int64_t version() const { return version_.load(); }
  int64_t sessions_version() const { return sessions_version_.load(); }
  // Whether the LISTEN connection is up: while it is not, changes go unheard.
  bool listening() const { return listening_.load(); }

 private:
  void Run();
  // Waits up to `timeout` for the stop request; returns whether it came.
  bool WaitForStop(std::chrono::milliseconds timeout);

  const std::string conninfo_;
  const std::vector<std::string> setup_;
  const std::chrono::milliseconds poll_;
  std::atomic<int64_t> version_{1};
  std::atomic<int64_t> sessions_version_{1};
  std::atomic<bool> listening_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace issuer::storage::pg
