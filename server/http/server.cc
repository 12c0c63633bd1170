#include "server/http/server.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

#include "common/text.h"
#include "server/http/reply.h"
#include "server/http/request_body.h"
#include "server/http/worker_pool.h"

namespace issuer::server {
namespace {

using HandlerResponse = httplib::Server::HandlerResponse;

// cpp-httplib 0.11.4 hands the pre-routing, Expect and error handlers its own Request (a
// non-const local of Server::process_request) by const reference, and reads that same object
// afterwards to decide how to read the body and write the reply. The edge changes it only
// through this, in the few ways documented where it does.
httplib::Request& Mutable(const httplib::Request& req) {
  return const_cast<httplib::Request&>(req);
}

// What Better Auth ignores and the library would act on: a Range header (it would cut the JSON
// reply into byte ranges) and Accept-Encoding (it would compress replies; Node never does).
void Normalize(const httplib::Request& req) {
  Mutable(req).ranges.clear();
  Mutable(req).headers.erase("Accept-Encoding");
}

// Before the library reads a body: Better Auth ignores Content-Encoding and reads the bytes as
// sent (measured: a gzip body sent as JSON gets 400 "Invalid JSON in request body"), while the
// library would inflate them without bound. A body for an unknown route is only drained before
// the 404, so the library must not parse it as a form (it refuses those over 8 KiB) or multipart.
void PrepareRead(const httplib::Request& req, bool route_known) {
  Mutable(req).headers.erase("Content-Encoding");
  if (!route_known) Mutable(req).headers.erase("Content-Type");
}

void WriteReply(const HttpReply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name.c_str(), value);
  if (!reply.body.empty()) res.set_content(reply.body, reply.content_type.c_str());
}

// A reply with no body: Better Auth's 404 for an unknown route, Node's 400 for framing it refuses.
HttpReply Empty(int status) {
  HttpReply reply;
  reply.status = status;
  return reply;
}

HttpRequest ToHttpRequest(const httplib::Request& req, std::string body) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  for (const auto& [name, value] : req.headers) {
    // The library adds these itself; a client must not be able to inject them (CVE-2025-66570).
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    out.headers.emplace(Lowercase(name), value);
  }
  for (const auto& [name, value] : req.params) out.query.emplace(name, value);
  out.body = std::move(body);
  out.peer = req.remote_addr;
  // Node joins repeated Cookie headers with "; " before Better Auth reads them.
  if (req.get_header_value_count("Cookie") > 1) {
    std::string joined;
    for (const auto& [name, value] : out.headers) {
      if (name == "cookie") joined += (joined.empty() ? "" : "; ") + value;
    }
    out.headers.erase("cookie");
    out.headers.emplace("cookie", joined);
  }
  return out;
}

// The refusal for a body that is not read, or nullopt where the route answers as usual (a GET
// route ignores a body, as in Better Auth).
std::optional<HttpReply> Refusal(const Route* route, const httplib::Request& req,
                                 Framing framing) {
  if (framing == Framing::kInvalid) return Empty(400);
  if (route == nullptr) return Empty(404);
  if (!LibraryReadsBody(req.method)) return std::nullopt;
  if (framing == Framing::kTooLarge) return ErrorReply({ApiCode::kPayloadTooLarge, ""});
  return ErrorReply(UnsupportedMediaType(req.get_header_value("Content-Type"), route->allow_form));
}

// A path as it may appear in the log: cpp-httplib has percent-decoded it, so control bytes
// (a forged log line) are masked and long paths cut.
std::string LoggablePath(const std::string& path) {
  std::string out = path.substr(0, 256);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"') c = '?';
  }
  return out;
}

std::string EscapeRegex(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// One worker thread serves one request at a time: the start of its current request, set when
// the library hands over the request head (Guard) and read when the answer is logged.
thread_local std::chrono::steady_clock::time_point request_start;
// The route Guard found for the thread's current request, for the log to name: checked again
// (Matches) before use, so a stale one is never believed.
thread_local const Route* request_route = nullptr;

// Milliseconds since request_start (0 if the request never reached Guard); resets it.
double ElapsedMs() {
  using namespace std::chrono;
  if (request_start == steady_clock::time_point()) return 0;
  const double ms = duration<double, std::milli>(steady_clock::now() - request_start).count();
  request_start = steady_clock::time_point();
  return ms;
}

// The path a request is counted under: the route's limit path, else (a route that names none)
// the request's path relative to the base path, as Better Auth's normalizePathname makes it.
std::string LimitPath(const Route& route, const std::string& base, const std::string& path) {
  if (!route.limit_path.empty()) return route.limit_path;
  if (base.empty()) return path;
  if (path == base) return "/";
  if (path.rfind(base + "/", 0) == 0) return path.substr(base.size());
  return path;
}

}  // namespace

HttpServer::HttpServer(const Config& config, std::vector<Route> routes, RateLimiter* limiter,
                       Logger& log, RequestObserver observer)
    : config_(config),
      limiter_(limiter),
      log_(log),
      observer_(std::move(observer)),
      routes_(std::move(routes)),
      server_(config.head_limits, [this](const RefusedHead& head) { LogRefusedHead(head); }) {
  IndexRoutes();
  Configure();
  AddRoutes();
}

void HttpServer::Configure() {
  server_.new_task_queue = [this] {
    return new WorkerPool(kMaxWorkers, kDrain, [this](bool all) { Cut(all); }, log_);
  };
  server_.set_socket_options(ListenerOptions(&listener_));
  server_.set_tcp_nodelay(true);  // without it keep-alive crawls (~280 req/s)
  server_.set_read_timeout(kReadTimeoutSeconds);
  server_.set_write_timeout(kWriteTimeoutSeconds);
  server_.set_keep_alive_timeout(kKeepAliveSeconds);
  server_.set_keep_alive_max_count(kKeepAliveMaxRequests);
  server_.set_payload_max_length(kMaxBodyBytes);  // a backstop: Guard sorts bodies out first
  // ExpectContinue, LibraryError, LogRequest and the closing content provider run outside the
  // library's try (an exception there would end the process): each catches everything.
  using Req = const httplib::Request&;
  server_.set_expect_100_continue_handler(
      [this](Req req, httplib::Response& res) { return ExpectContinue(req, res); });
  server_.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](Req req, httplib::Response& res) { return LibraryError(req, res); }));
  server_.set_logger([this](Req req, const httplib::Response& res) { LogRequest(req, res); });
  server_.set_pre_routing_handler(
      [this](Req req, httplib::Response& res) { return Guard(req, res); });
  server_.set_exception_handler(
      [this](Req req, httplib::Response& res, std::exception_ptr) { Fail(req, res); });
}

void HttpServer::AddRoutes() {
  // Only bodies are routed through the library (Guard answers everything else): each POST
  // (and DELETE) route reads its body through its own bounded reader, which also takes
  // chunked bodies.
  for (const Route& route : routes_) {
    if (route.method != "POST" && route.method != "DELETE") continue;
    auto read = [this, &route](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader) {
      ReadThenDispatch(route, req, res, reader);
    };
    if (route.method == "POST") server_.Post(EscapeRegex(route.path), read);
    if (route.method == "DELETE") server_.Delete(EscapeRegex(route.path), read);
  }
}

// FindRoute answers as a scan of the table in order would: an exact route is indexed unless
// an earlier one has its key, or an earlier parameter route matches its path (that one wins).
void HttpServer::IndexRoutes() {
  for (const Route& route : routes_) {
    if (route.param) {
      param_routes_.push_back(&route);
      continue;
    }
    const bool shadowed = std::any_of(param_routes_.begin(), param_routes_.end(),
                                      [&](const Route* p) { return p->Matches(route.method, route.path); });
    if (!shadowed) exact_routes_.emplace(RouteKey(route.method, route.path), &route);
  }
}

std::string HttpServer::RouteKey(const std::string& method, const std::string& path) {
  std::string key;
  key.reserve(method.size() + 1 + path.size());
  return key.append(method).append(1, ' ').append(path);
}

// The first route of the table that matches (see IndexRoutes).
const Route* HttpServer::FindRoute(const std::string& method, const std::string& path) const {
  if (auto it = exact_routes_.find(RouteKey(method, path)); it != exact_routes_.end()) {
    return it->second;
  }
  for (const Route* route : param_routes_) {
    if (route->Matches(method, path)) return route;
  }
  return nullptr;
}

// Runs once a request's headers are in, before the library reads any body (security notes §4.1).
HandlerResponse HttpServer::Guard(const httplib::Request& req, httplib::Response& res) {
  request_start = std::chrono::steady_clock::now();
  connections_.Begin(req);
  Normalize(req);
  const Route* route = FindRoute(req.method, req.path);
  request_route = route;
  const Framing framing = FramingOf(req);
  switch (PlanFor(req, route != nullptr, framing)) {
    case Plan::kRead:
      PrepareRead(req, route != nullptr);
      return HandlerResponse::Unhandled;  // the route's reader, or the library's 404
    case Plan::kAnswer:
      if (route == nullptr) {
        res.status = 404;  // as Better Auth: no body, no content type
      } else {
        Dispatch(*route, req, "", res);
      }
      return HandlerResponse::Handled;
    case Plan::kAnswerAndClose:
      AnswerUnread(route, req, framing, res);
      return HandlerResponse::Handled;
  }
  return HandlerResponse::Handled;
}

// A client that waits for 100 Continue gets it only for a body the server will read; any other
// answer is final (and closes the connection, should the client send its body all the same).
int HttpServer::ExpectContinue(const httplib::Request& req, httplib::Response& res) noexcept {
  try {
    const Route* route = FindRoute(req.method, req.path);
    if (PlanFor(req, route != nullptr, FramingOf(req)) != Plan::kAnswerAndClose) return 100;
    Guard(req, res);
  } catch (...) {
    Fail(req, res);
  }
  return res.status;
}

// The library's own error replies come with no body: a request line or headers it could not
// parse (it refuses unknown methods such as PROPFIND there), a Range it could not parse, a body
// it could not read. Unread bytes may follow, so the connection closes. The app's own replies
// have a body, or a closing provider, or are 404s after a body was read in full, or are empty
// replies that name their type (Better Auth's APIError.fromStatus 401): left as they are.
HandlerResponse HttpServer::LibraryError(const httplib::Request& req,
                                         httplib::Response& res) noexcept {
  if (!res.body.empty() || res.content_provider_ || res.status == 404 ||
      res.has_header("Content-Type")) {
    return HandlerResponse::Unhandled;
  }
  try {
    if (res.status == 413) WriteReply(ErrorReply({ApiCode::kPayloadTooLarge, ""}), res);
    CloseAfterReply(req, res);
  } catch (...) {
  }
  return HandlerResponse::Handled;
}

void HttpServer::LogRequest(const httplib::Request& req, const httplib::Response& res) noexcept {
  try {
    connections_.End(req);
    const Route* route = request_route != nullptr && request_route->Matches(req.method, req.path)
                             ? request_route
                             : FindRoute(req.method, req.path);
    request_route = nullptr;
    Record({req.method, route ? route->path : "", LoggablePath(req.path), res.status,
            ElapsedMs()});
  } catch (...) {
  }
}

void HttpServer::LogRefusedHead(const RefusedHead& head) noexcept {
  try {
    Record({LoggablePath(head.method), "", LoggablePath(head.path), 431, 0});
  } catch (...) {
  }
}

void HttpServer::Record(const RequestRecord& record) noexcept {
  try {
    if (observer_) return observer_(record);
    log_.Info("request", record.method + " " + record.path + " " + std::to_string(record.status));
  } catch (...) {
  }
}

// An exception anywhere in a request: a generic 500 (no EXCEPTION_WHAT header, no details), and
// the connection closes since the body may be half read.
void HttpServer::Fail(const httplib::Request& req, httplib::Response& res) noexcept {
  try {
    log_.Error("unhandled_exception");
    res = httplib::Response();
    WriteReply(ErrorReply({ApiCode::kInternal, ""}), res);
    CloseAfterReply(req, res);
  } catch (...) {
    res.status = 500;
  }
}

void HttpServer::ReadThenDispatch(const Route& route, const httplib::Request& req,
                                  httplib::Response& res, const httplib::ContentReader& reader) {
  std::string body;
  bool too_large = false;
  const bool complete = reader([&](const char* data, size_t size) {
    too_large = body.size() + size > kMaxBodyBytes;
    if (!too_large) body.append(data, size);
    return !too_large;
  });
  if (complete) return Dispatch(route, req, std::move(body), res);
  // Over the bound, cut short or badly chunked: the rest may still be on the connection.
  WriteReply(too_large ? ErrorReply({ApiCode::kPayloadTooLarge, ""}) : Empty(400), res);
  CloseAfterReply(req, res);
}

void HttpServer::AnswerUnread(const Route* route, const httplib::Request& req, Framing framing,
                              httplib::Response& res) {
  if (auto refusal = Refusal(route, req, framing)) {
    WriteReply(*refusal, res);
  } else {
    Dispatch(*route, req, "", res);
  }
  CloseAfterReply(req, res);
}

void HttpServer::Dispatch(const Route& route, const httplib::Request& req, std::string body,
                          httplib::Response& res) {
  const HttpRequest request = ToHttpRequest(req, std::move(body));
  if (limiter_ != nullptr) {
    const std::string path = LimitPath(route, config_.base_path, request.path);
    if (auto refused = limiter_->Check(request, path)) {
      return WriteReply(*refused, res);
    }
  }
  WriteReply(route.handler(request), res);
}

// cpp-httplib 0.11.4 keeps a connection open whatever the reply says, and closes it only when
// writing the reply fails. So the body goes out through a content provider that reports failure
// once it has written everything: the client gets the whole reply, then the connection closes.
void HttpServer::CloseAfterReply(const httplib::Request& req, httplib::Response& res) const {
  // The library then writes "Connection: close" instead of its Keep-Alive header.
  Mutable(req).headers.erase("Connection");
  Mutable(req).set_header("Connection", "close");
  // When stopping, the library closes every connection after its reply anyway, and writes no
  // provider's content.
  if (stopping_) return;
  auto body = std::make_shared<const std::string>(std::move(res.body));
  res.body.clear();
  const std::string type = res.get_header_value("Content-Type");
  res.headers.erase("Content-Type");
  res.set_content_provider(type, [body](size_t, httplib::DataSink& sink) {
    try {  // called outside the library's try
      if (!body->empty()) sink.write(body->data(), body->size());
    } catch (...) {
    }
    return false;
  });
  if (body->empty()) res.headers.erase("Content-Type");
  res.set_header("Content-Length", std::to_string(body->size()));
  // The library writes no body for HEAD, so it would not call the provider; every reply to a
  // HEAD is an empty 404 (no route takes HEAD), the same bytes either way.
  if (req.method == "HEAD") Mutable(req).method = "GET";
}

void HttpServer::Cut(bool all) {
  const int cut = connections_.Cut(port_, all);
  if (cut > 0) log_.Info(all ? "cut_busy_connections" : "closed_idle_connections",
                         "count=" + std::to_string(cut));
}

Result<int> HttpServer::Bind(const std::string& host, int wanted_port) {
  RaiseOpenFileLimit();
  errno = 0;
  const bool any = wanted_port == 0;
  const int port = any ? server_.bind_to_any_port(host)
                       : (server_.bind_to_port(host, wanted_port) ? wanted_port : -1);
  if (port <= 0) {
    const std::string reason = errno != 0 ? std::string(": ") + std::strerror(errno) : "";
    return Error{Errc::kUnavailable,
                 "cannot bind " + host + ":" + std::to_string(wanted_port) + reason};
  }
  if (!WidenBacklog(listener_)) log_.Warn("listen_backlog", "kept the library's backlog of 5");
  port_ = port;
  return port;
}

bool HttpServer::Serve() {
  try {
    return server_.listen_after_bind();
  } catch (...) {
    log_.Error("accept_loop_failed");
    return false;
  }
}

void HttpServer::Stop() {
  stopping_ = true;
  server_.stop();
}

}  // namespace issuer::server
