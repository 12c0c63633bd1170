#pragma once

#include <httplib.h>

#include <functional>
#include <string>
#include <vector>

#include "common/logger.h"
#include "common/result.h"
#include "server/config/config.h"
#include "server/http/rate_limiter.h"
#include "server/http/route.h"

namespace issuer::server {

// What the access log and the metrics see of each answered request.
struct RequestRecord {
  std::string method;
  std::string route;  // the matched route's path; "" when none matched
  std::string path;   // as a log may show it: control bytes masked, cut at 256
  int status;
  double duration_ms;  // from the end of the request head to the answer
};
using RequestObserver = std::function<void(const RequestRecord&)>;

// Requests above this size are refused (413) before they are read.
inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// cpp-httplib 0.11.4 serving a fixed table of routes, with guards for the library's weaknesses
// (security notes §4.1): unknown routes are answered before any body is read or any route
// regex runs; chunked and compressed request bodies and oversized or malformed Content-Length
// are refused; exceptions become a generic 500 with no EXCEPTION_WHAT header.
//   HttpServer http(config, routes, limiter, log);
//   auto port = http.Bind();          // --port 0 picks one
//   std::thread t([&] { http.Serve(); });
//   ... http.Stop(); t.join();
class HttpServer {
 public:
  // `limiter` (may be null: no rate limiting) is applied to every route before its handler.
  // `observer` (if set) sees every request once answered; without one each is logged.
  HttpServer(const Config& config, std::vector<Route> routes, RateLimiter* limiter, Logger& log,
             RequestObserver observer = {});

  // Binds config.host:config.port; returns the bound port. kUnavailable if the address is
  // taken or invalid.
  Result<int> Bind();
  // Serves until Stop(); false if the accept loop failed on its own. REQUIRES: Bind() succeeded.
  bool Serve();
  // Stops accepting; in-flight requests finish. Safe from any thread once Serve() runs.
  void Stop();
  bool running() const { return server_.is_running(); }

 private:
  const Route* FindRoute(const std::string& method, const std::string& path) const;
  httplib::Server::HandlerResponse Guard(const httplib::Request& req, httplib::Response& res);
  void Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res);

  const Config& config_;
  RateLimiter* limiter_;
  Logger& log_;
  RequestObserver observer_;
  std::vector<Route> routes_;
  httplib::Server server_;
};

}  // namespace issuer::server
