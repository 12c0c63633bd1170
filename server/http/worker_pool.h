#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/logger.h"

namespace issuer::server {

// The connection workers behind cpp-httplib 0.11.4. The library gives each accepted connection
// to one task that serves it for as long as it is kept alive, so a worker is held by every open
// connection, busy or idle. This pool starts small and grows on demand, one thread per waiting
// connection, up to `max_workers`; beyond that connections wait in the queue. It never shrinks:
// an idle thread costs a few pages of stack. No exception from a task escapes its thread.
//
// shutdown() (the library calls it once the accept loop has ended) calls cut(false), which
// should end the tasks that serve idle connections, lets the others run for up to `drain`, then
// calls cut(true), which must make every remaining task end (e.g. by shutting its socket down),
// and waits for them. Thread-safe.
class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(size_t max_workers, std::chrono::milliseconds drain,
             std::function<void(bool all)> cut, Logger& log);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  size_t workers();

 private:
  void Run();
  void RunTask(std::function<void()>& task);
  // REQUIRES: mu_ held.
  void GrowIfNeeded();

  const size_t max_workers_;
  const std::chrono::milliseconds drain_;
  const std::function<void(bool all)> cut_;
  Logger& log_;

  std::mutex mu_;
  std::condition_variable work_;  // a task was queued, or shutdown
  std::condition_variable done_;  // a task finished during shutdown
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  size_t busy_ = 0;
  bool shutdown_ = false;
  bool full_logged_ = false;
};

}  // namespace issuer::server
