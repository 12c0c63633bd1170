#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "server/auth_service.h"
#include "server/config.h"
#include "server/logger.h"

namespace issuer::server {

// Requests above this size are refused (413) before they are read.
inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// cpp-httplib 0.11.4 wired to the AuthService, with guards for the library's weaknesses
// (security notes §4.1): unknown routes are answered before any body is read or any route
// regex runs; chunked and compressed request bodies and oversized or malformed Content-Length
// are refused; exceptions become a generic 500 with no EXCEPTION_WHAT header.
//   HttpServer http(config, auth, log);
//   auto port = http.Bind();          // --port 0 picks one
//   std::thread t([&] { http.Serve(); });
//   ... http.Stop(); t.join();
class HttpServer {
 public:
  HttpServer(const Config& config, AuthService& auth, Logger& log);

  // Binds config.host:config.port; returns the bound port. kUnavailable if the address is
  // taken or invalid.
  Result<int> Bind();
  // Serves until Stop(); false if the accept loop failed on its own. REQUIRES: Bind() succeeded.
  bool Serve();
  // Stops accepting; in-flight requests finish. Safe from any thread once Serve() runs.
  void Stop();
  bool running() const { return server_.is_running(); }

 private:
  struct Route {
    const char* method;
    std::string path;
    HttpReply (AuthService::*handler)(const HttpRequest&);
    bool allow_form = false;  // takes application/x-www-form-urlencoded bodies
  };

  const Route* FindRoute(const std::string& method, const std::string& path) const;
  httplib::Server::HandlerResponse Guard(const httplib::Request& req, httplib::Response& res);
  void Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res);

  const Config& config_;
  AuthService& auth_;
  Logger& log_;
  std::vector<Route> routes_;
  httplib::Server server_;
};

}  // namespace issuer::server
