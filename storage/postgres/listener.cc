#include "storage/postgres/listener.h"

#include <poll.h>

#include <cstring>

#include "storage/postgres/change_triggers.h"
#include "storage/postgres/pq.h"

namespace issuer::storage::pg {
namespace {

constexpr std::chrono::milliseconds kTick{200};

struct Heard {
  bool keys = false;
  bool sessions = false;
};

// Reads what arrived on `conn`; returns false if the connection is lost.
bool Drain(Connection& conn, Heard* heard) {
  if (Libpq::Get().PQconsumeInput(conn.handle()) == 0) return false;
  while (PGnotify* n = Libpq::Get().PQnotifies(conn.handle())) {
    (std::strcmp(n->relname, kSessionsChannel) == 0 ? heard->sessions : heard->keys) = true;
    Libpq::Get().PQfreemem(n);
  }
  return !conn.broken();
}

bool Subscribe(Connection& conn) {
  return conn.Exec(std::string("LISTEN ") + kJwksChannel).ok() &&
         conn.Exec(std::string("LISTEN ") + kSessionsChannel).ok();
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
  bool first = true;  // the first connection is tried at once, a new one after a pause
  while (!WaitForStop(conn || first ? std::chrono::milliseconds(0) : kTick * 2)) {
    first = false;
    if (!conn) {
      auto opened = Connection::Open(conninfo_, setup_);
      if (!opened.ok() || !Subscribe(**opened)) continue;
      conn = std::move(*opened);
      version_.fetch_add(1);  // what changed while we were away is read again
      sessions_version_.fetch_add(1);
      listening_ = true;
    }
    pollfd fd{Libpq::Get().PQsocket(conn->handle()), POLLIN, 0};
    (void)::poll(&fd, 1, static_cast<int>(kTick.count()));
    Heard heard;
    if (!Drain(*conn, &heard)) {
      listening_ = false;
      conn.reset();
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_poll) {
      heard.keys = true;
      next_poll = now + poll_;
    }
    if (heard.keys || !conn) version_.fetch_add(1);
    if (heard.sessions) sessions_version_.fetch_add(1);
  }
}

}  // namespace issuer::storage::pg
