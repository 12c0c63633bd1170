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

std::string PeerKey(const std::string& address, int port) {
  return address + "|" + std::to_string(port);
}

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

std::optional<std::string> PeerKeyOf(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return std::nullopt;
  auto numeric = Numeric(addr, len);
  if (!numeric) return std::nullopt;
  return PeerKey(numeric->first, numeric->second);
}

}  // namespace

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
  std::lock_guard<std::mutex> lock(mu_);
  busy_.insert(PeerKey(req.remote_addr, req.remote_port));
}

void Connections::End(const httplib::Request& req) {
  std::lock_guard<std::mutex> lock(mu_);
  busy_.erase(PeerKey(req.remote_addr, req.remote_port));
}

int Connections::Cut(int port, bool all) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc/self/fd"), &closedir);
  if (!dir) return 0;
  int cut = 0;
  while (const dirent* entry = readdir(dir.get())) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir.get()) || LocalPort(fd) != port) continue;
    if (!all) {
      const auto key = PeerKeyOf(fd);
      std::lock_guard<std::mutex> lock(mu_);
      if (!key || busy_.count(*key) > 0) continue;
    }
    if (shutdown(fd, SHUT_RDWR) == 0) ++cut;
  }
  return cut;
}

}  // namespace issuer::server
