#include "server/http/sockets.h"

#include <dirent.h>
#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <optional>

namespace issuer::server {
namespace {

// The port whose count this worker thread raised for the request it serves (one at a time),
// and in which Connections; -1 when none. A request the library answers without Guard (one it
// cannot parse) never raised a count, so its End lowers none.
struct BusyMark {
  const void* owner = nullptr;
  int port = -1;
};
thread_local BusyMark busy_mark;

// Numeric host and port of `addr`, spelled as the library spells req.remote_addr.
std::optional<std::pair<std::string, int>> Numeric(const sockaddr_storage& addr, socklen_t len) {
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, service,
                  sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return std::nullopt;
  }
  return std::make_pair(std::string(host), std::atoi(service));
}

// The local port of `fd` if it is an IPv4 or IPv6 socket.
std::optional<int> LocalPort(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return std::nullopt;
  if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6) return std::nullopt;
  auto numeric = Numeric(addr, len);
  if (!numeric) return std::nullopt;
  return numeric->second;
}

std::optional<int> PeerPortOf(int fd) {
  std::string ip;
  int port = -1;
  if (!SocketAddress(fd, /*peer=*/true, &ip, &port)) return std::nullopt;
  return port;
}

}  // namespace

bool SocketAddress(int fd, bool peer, std::string* ip, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                      : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0 || (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)) return false;
  auto numeric = Numeric(addr, len);
  if (!numeric) return false;
  *ip = std::move(numeric->first);
  *port = numeric->second;
  return true;
}

httplib::SocketOptions ListenerOptions(int* listener) {
  return [listener](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *listener = sock;  // the library binds the last socket it configured
  };
}

bool WidenBacklog(int listener) { return listen(listener, SOMAXCONN) == 0; }

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);  // best effort: at worst the old limit stays
}

void Connections::Begin(const httplib::Request& req) {
  End(req);  // a request that never reached End (the library gave up on it) is over now
  if (req.remote_port < 0 || req.remote_port >= static_cast<int>(busy_.size())) return;
  busy_[static_cast<size_t>(req.remote_port)].fetch_add(1, std::memory_order_relaxed);
  busy_mark = {this, req.remote_port};
}

void Connections::End(const httplib::Request&) {
  if (busy_mark.owner != this || busy_mark.port < 0) return;
  busy_[static_cast<size_t>(busy_mark.port)].fetch_sub(1, std::memory_order_relaxed);
  busy_mark = {};
}

int Connections::Cut(int port, bool all) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc/self/fd"), &closedir);
  if (!dir) return 0;
  int cut = 0;
  while (const dirent* entry = readdir(dir.get())) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir.get()) || LocalPort(fd) != port) continue;
    if (!all) {
      const auto peer_port = PeerPortOf(fd);
      if (!peer_port || busy_[static_cast<size_t>(*peer_port)].load() > 0) continue;
    }
    if (shutdown(fd, SHUT_RDWR) == 0) ++cut;
  }
  return cut;
}

}  // namespace issuer::server
