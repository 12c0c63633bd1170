#include "storage/postgres/listener.h"

#include <poll.h>

#include "storage/postgres/pq.h"

namespace issuer::storage::pg {
namespace {

constexpr std::chrono::milliseconds kTick{200};

// Reads what arrived on `conn`; returns false if the connection is lost.
bool Drain(Connection& conn, bool* notified) {
  if (Libpq::Get().PQconsumeInput(conn.handle()) == 0) return false;
  while (PGnotify* n = Libpq::Get().PQnotifies(conn.handle())) {
    *notified = true;
    Libpq::Get().PQfreemem(n);
  }
  return !conn.broken();
}

}  // namespace

Listener::Listener(std::string conninfo, std::vector<std::string> setup,
                   std::chrono::milliseconds poll)
    : conninfo_(std::move(conninfo)),
      setup_(std::move(setup)),
      poll_(poll),
      thread_([this] { Run(); }) {}

Listener::~Listener() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

bool Listener::WaitForStop(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return stop_; });
}

void Listener::Run() {
  std::unique_ptr<Connection> conn;
  auto next_poll = std::chrono::steady_clock::now() + poll_;
  while (!WaitForStop(conn ? std::chrono::milliseconds(0) : kTick * 2)) {
    if (!conn) {
      auto opened = Connection::Open(conninfo_, setup_);
      if (!opened.ok() || !(*opened)->Exec(std::string("LISTEN ") + kJwksChannel).ok()) continue;
      conn = std::move(*opened);
      version_.fetch_add(1);  // what changed while we were away is read again
    }
    pollfd fd{Libpq::Get().PQsocket(conn->handle()), POLLIN, 0};
    (void)::poll(&fd, 1, static_cast<int>(kTick.count()));
    bool notified = false;
    if (!Drain(*conn, &notified)) conn.reset();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_poll) {
      notified = true;
      next_poll = now + poll_;
    }
    if (notified || !conn) version_.fetch_add(1);
  }
}

}  // namespace issuer::storage::pg
