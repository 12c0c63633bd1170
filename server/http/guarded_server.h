#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include "server/http/head_limit.h"

namespace issuer::server {

// A request head refused for its size (431): what the log may show of it.
struct RefusedHead {
  std::string method;  // "" when the request line itself was cut off
  std::string path;    // raw, not decoded; may be cut off
};
using HeadRefusal = std::function<void(const RefusedHead&)>;

// A connection's two ends, as the library spells them in req.remote_addr and local_addr.
struct PeerAddresses {
  std::string remote_ip;
  int remote_port = 0;
  std::string local_ip;
  int local_port = 0;
};

// httplib::Server with the request head bounded before the library reads it. cpp-httplib
// 0.11.4 reads the request line and every header line into its own strings and multimap
// without a total bound (each line up to 8 KiB, any number of them), so one connection could
// make it hold hundreds of megabytes. Here each connection's requests are served as the
// library serves them (keep-alive count and timeout, read and write timeouts, its own
// process_request), except that the head is first read into a buffer of at most
// limits.max_bytes (plus one read): a head over max_bytes or with more than max_fields header
// lines is answered 431 with no body, and the connection closes (after a short, bounded
// drain, so that the client can read the answer). `refused` (not null) is told of each.
// Thread-safe as httplib::Server is; `refused` runs on the worker threads and must not throw.
class GuardedServer : public httplib::Server {
 public:
  GuardedServer(HeadLimits limits, HeadRefusal refused)
      : limits_(limits), refused_(std::move(refused)) {}

 private:
  bool process_and_close_socket(socket_t sock) override;
  // One request on `sock`: its head pre-read under the bounds, then process_request. False
  // when the connection is to close.
  bool ServeOne(socket_t sock, const PeerAddresses& peer, bool last, bool* closed);
  void Refuse(socket_t sock, const std::string& head) const;

  const HeadLimits limits_;
  const HeadRefusal refused_;
};

}  // namespace issuer::server
