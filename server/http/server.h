#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/logger.h"
#include "common/result.h"
#include "server/config/config.h"
#include "server/http/framing.h"
#include "server/http/guarded_server.h"
#include "server/http/rate_limiter.h"
#include "server/http/route.h"
#include "server/http/sockets.h"

namespace issuer::server {

// Sizing of the HTTP layer (README "Limits of the HTTP layer"). cpp-httplib 0.11.4 gives every
// open connection a worker thread for as long as it stays open, busy or idle, and times out
// each read rather than a whole request, so a client that sends a header byte a second holds
// its worker for as long as it likes.
// - kMaxWorkers: one worker per open connection, so room for 500+ idle or slow clients plus
//   the same again for real traffic. An idle worker costs a few pages of stack and a busy one
//   mostly waits on its socket; the one heavy task, password hashing, has its own 4 slots.
//   Past it, new connections wait in the queue: only a front proxy bounds clients beyond it.
// - kReadTimeout: a client silent for this long in the middle of a request is dropped.
// - kKeepAlive: Node's default keepAliveTimeout, so proxies set up for Better Auth fit; an idle
//   connection gives its worker back after it.
// - kDrain: on stop, requests in progress get this long to be answered; idle connections are
//   closed at once.
inline constexpr size_t kMaxWorkers = 1024;
inline constexpr time_t kReadTimeoutSeconds = 5;
inline constexpr time_t kWriteTimeoutSeconds = 5;
inline constexpr time_t kKeepAliveSeconds = 5;
inline constexpr size_t kKeepAliveMaxRequests = 1000;
inline constexpr std::chrono::milliseconds kDrain{5000};

// What the access log and the metrics see of each answered request.
struct RequestRecord {
  std::string method;
  std::string route;  // the matched route's path; "" when none matched
  std::string path;   // as a log may show it: control bytes masked, cut at 256
  int status;
  double duration_ms;  // from the end of the request head to the answer
};
using RequestObserver = std::function<void(const RequestRecord&)>;

// cpp-httplib 0.11.4 serving a fixed table of routes, guarded against its known weaknesses
// (security notes §4): a request head over config.head_limits is answered 431 and closed
// before the library reads it (GuardedServer); a request body is read in full under kMaxBodyBytes or the connection
// closes after the reply (never left to be parsed as a next request); compressed bodies are
// read as sent, as Better Auth reads them; no SO_REUSEPORT; exceptions become a generic 500;
// no exception reaches the library's threads or callbacks outside its own try.
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
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds config.host:config.port; returns the bound port. kUnavailable, naming the address,
  // if it is taken (also by another process: no SO_REUSEPORT) or invalid.
  Result<int> Bind() { return Bind(config_.host, config_.port); }
  // The same on another address (the --metrics-listen listener).
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); false if the accept loop failed on its own. REQUIRES: Bind() succeeded.
  bool Serve();
  // Stops accepting and closes idle connections at once; requests in progress get kDrain to be
  // answered, then their connections close too; Serve() returns when all are done. Safe from
  // any thread once Serve() runs.
  void Stop();
  bool running() const { return server_.is_running(); }

 private:
  using HandlerResponse = httplib::Server::HandlerResponse;

  void IndexRoutes();
  static std::string RouteKey(const std::string& method, const std::string& path);
  void Configure();
  void AddRoutes();
  const Route* FindRoute(const std::string& method, const std::string& path) const;
  HandlerResponse Guard(const httplib::Request& req, httplib::Response& res);
  int ExpectContinue(const httplib::Request& req, httplib::Response& res) noexcept;
  HandlerResponse LibraryError(const httplib::Request& req, httplib::Response& res) noexcept;
  void LogRequest(const httplib::Request& req, const httplib::Response& res) noexcept;
  void LogRefusedHead(const RefusedHead& head) noexcept;
  void Record(const RequestRecord& record) noexcept;
  void Fail(const httplib::Request& req, httplib::Response& res) noexcept;
  void ReadThenDispatch(const Route& route, const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader);
  void AnswerUnread(const Route* route, const httplib::Request& req, Framing framing,
                    httplib::Response& res);
  void Dispatch(const Route& route, const httplib::Request& req, std::string body,
                httplib::Response& res);
  void CloseAfterReply(const httplib::Request& req, httplib::Response& res) const;
  void Cut(bool all);

  const Config& config_;
  RateLimiter* limiter_;
  Logger& log_;
  RequestObserver observer_;
  std::vector<Route> routes_;
  std::unordered_map<std::string, const Route*> exact_routes_;  // by "METHOD path"
  std::vector<const Route*> param_routes_;                      // in table order
  Connections connections_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  GuardedServer server_;
};

}  // namespace issuer::server
