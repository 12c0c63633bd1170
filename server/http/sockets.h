#pragma once

#include <httplib.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace issuer::server {

// Socket-level pieces cpp-httplib 0.11.4 does not offer.

// The numeric address and port of `fd`'s peer (`peer`) or of its own end, spelled as the
// library spells req.remote_addr ("127.0.0.1", "::1"); false for a socket that is not IPv4 or
// IPv6, or not connected.
bool SocketAddress(int fd, bool peer, std::string* ip, int* port);

// Options for the listening socket, replacing the library's default (SO_REUSEPORT, with which a
// second process binds the same port and the kernel splits the connections between the two):
// SO_REUSEADDR only, so a restart can bind while old connections sit in TIME_WAIT, and a
// second listener on the same address fails with EADDRINUSE. Stores the socket in `*listener`.
httplib::SocketOptions ListenerOptions(int* listener);

// Raises the listen backlog of `listener` to the system maximum (the library listens with 5,
// which drops SYNs under a burst of connections; a dropped SYN costs the client a second).
// False if listen() fails.
bool WidenBacklog(int listener);

// Raises this process's soft limit of open files to its hard limit: every open connection
// holds a descriptor, and the common default of 1024 is below the pool's size.
void RaiseOpenFileLimit();

// The server's accepted connections as the kernel knows them (the library never hands out
// their sockets): which carry a request in progress, and a way to shut the others down so their
// workers end at once when the server stops. Thread-safe.
class Connections {
 public:
  // A request's headers are in (its connection is busy) / its reply is written (idle again).
  void Begin(const httplib::Request& req);
  void End(const httplib::Request& req);

  // Shuts down (both directions) every TCP socket of this process whose local port is `port`,
  // i.e. the connections accepted by a listener on it; unless `all`, only those with no request
  // in progress. Returns how many. REQUIRES: the listener itself is closed.
  int Cut(int port, bool all);

 private:
  // Requests in progress by the peer's port, counted without a lock. Peers of different
  // addresses on the same port share a count: Cut may then spare an idle connection, which
  // closes at the end of the drain like a busy one.
  std::array<std::atomic<uint16_t>, 65536> busy_{};
};

}  // namespace issuer::server
