// The machine's floor for scripts/bench (a measuring tool, not product code): the least an HTTP/1.1
// keep-alive server can do per request here. One blocking thread per connection reads up to the
// end of a request's headers and answers a fixed 200 JSON body; TCP_NODELAY, as ba-issuer sets.
//   ba-floor-server [PORT]   (0 or none: a free port) prints "listening on http://127.0.0.1:PORT"
// GET without a body only: any other request, or headers over 8 KiB, close the connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";

void Serve(int fd) {
  char buffer[8192];
  size_t used = 0;
  for (;;) {
    ssize_t got = recv(fd, buffer + used, sizeof buffer - used, 0);
    if (got <= 0) break;
    used += static_cast<size_t>(got);
    std::string_view data(buffer, used);
    size_t end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (used == sizeof buffer) break;
      continue;
    }
    // No pipelining: wrk sends the next request only after this answer.
    if (!data.starts_with("GET ") || end + 4 != used) break;
    if (send(fd, kResponse.data(), kResponse.size(), MSG_NOSIGNAL) < 0) break;
    used = 0;
  }
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0));
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if (bind(listener, generic, length) != 0 || listen(listener, SOMAXCONN) != 0 ||
      getsockname(listener, generic, &length) != 0) {
    std::perror("ba-floor-server");
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%d\n", ntohs(address.sin_port));
  std::fflush(stdout);
  for (;;) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread(Serve, fd).detach();
  }
}
