#include "server/http/worker_pool.h"

#include <system_error>

namespace issuer::server {

WorkerPool::WorkerPool(size_t max_workers, std::chrono::milliseconds drain,
                       std::function<void(bool all)> cut, Logger& log)
    : max_workers_(max_workers), drain_(drain), cut_(std::move(cut)), log_(log) {
  std::lock_guard<std::mutex> lock(mu_);
  // One worker up front: if even that cannot start, the server cannot serve (throws at start).
  threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(fn));
    GrowIfNeeded();
  }
  work_.notify_one();
}

size_t WorkerPool::workers() {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_.size();
}

void WorkerPool::GrowIfNeeded() {
  if (tasks_.size() <= idle_) return;
  if (threads_.size() >= max_workers_) {
    if (!full_logged_) log_.Warn("worker_pool_full", "workers=" + std::to_string(max_workers_));
    full_logged_ = true;
    return;
  }
  try {
    threads_.emplace_back([this] { Run(); });
  } catch (const std::system_error&) {
    // Out of threads (RLIMIT_NPROC, pids.max): the task waits for a running worker.
    if (!full_logged_) log_.Warn("worker_pool_full", "workers=" + std::to_string(threads_.size()));
    full_logged_ = true;
  }
}

void WorkerPool::shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  if (shutdown_ && threads_.empty()) return;
  shutdown_ = true;
  work_.notify_all();
  lock.unlock();
  cut_(false);
  lock.lock();
  auto finished = [this] { return busy_ == 0 && tasks_.empty(); };
  if (!done_.wait_for(lock, drain_, finished)) {
    lock.unlock();
    log_.Warn("drain_timeout", "closing the connections still open");
    cut_(true);
    lock.lock();
  }
  std::vector<std::thread> threads = std::move(threads_);
  threads_.clear();
  lock.unlock();
  for (std::thread& t : threads) t.join();
}

void WorkerPool::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    work_.wait(lock, [this] { return !tasks_.empty() || shutdown_; });
    --idle_;
    if (tasks_.empty()) return;  // shutdown, nothing left to run
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    ++busy_;
    lock.unlock();
    RunTask(task);
    lock.lock();
    --busy_;
    if (shutdown_) done_.notify_all();
  }
}

void WorkerPool::RunTask(std::function<void()>& task) {
  // The library's task serves one connection; nothing it throws may end the process.
  try {
    task();
  } catch (...) {
    try {
      log_.Error("worker_exception");
    } catch (...) {
    }
  }
  task = nullptr;  // its captures go now, outside the pool's lock
}

}  // namespace issuer::server
