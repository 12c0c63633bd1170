#include "server/http/server.h"

#include <cctype>
#include <chrono>

#include "common/text.h"
#include "server/http/reply.h"
#include "server/http/request_body.h"

namespace issuer::server {
namespace {

void WriteReply(const HttpReply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name.c_str(), value);
  if (!reply.body.empty()) res.set_content(reply.body, reply.content_type.c_str());
}

void WriteError(const ApiError& error, httplib::Response& res) {
  WriteReply(ErrorReply(error), res);
}

HttpRequest ToHttpRequest(const httplib::Request& req) {
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
  out.body = req.body;
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

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsMultipart(const std::string& content_type) {
  return Lowercase(content_type.substr(0, 10)) == "multipart/";
}

// Body framing the library reads unsafely (security notes §4.1, §4.8).
std::optional<ApiError> CheckFraming(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return ApiError{ApiCode::kLengthRequired, ""};
  if (req.has_header("Content-Encoding")) {
    return ApiError{ApiCode::kUnsupportedContentEncoding, ""};
  }
  const size_t lengths = req.get_header_value_count("Content-Length");
  if (lengths == 0) return std::nullopt;
  const std::string length = req.get_header_value("Content-Length");
  if (lengths > 1 || !AllDigits(length)) return ApiError{ApiCode::kBadContentLength, ""};
  if (std::stoull(length) > kMaxBodyBytes) return ApiError{ApiCode::kPayloadTooLarge, ""};
  return std::nullopt;
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

// Milliseconds since request_start (0 if the request never reached Guard); resets it.
double ElapsedMs() {
  using namespace std::chrono;
  if (request_start == steady_clock::time_point()) return 0;
  const double ms = duration<double, std::milli>(steady_clock::now() - request_start).count();
  request_start = steady_clock::time_point();
  return ms;
}

}  // namespace

HttpServer::HttpServer(const Config& config, std::vector<Route> routes, RateLimiter* limiter,
                       Logger& log, RequestObserver observer)
    : config_(config),
      limiter_(limiter),
      log_(log),
      observer_(std::move(observer)),
      routes_(std::move(routes)) {
  server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server_.set_tcp_nodelay(true);  // without it keep-alive crawls (~280 req/s)
  server_.set_keep_alive_max_count(1000);
  server_.set_payload_max_length(kMaxBodyBytes);
  // A client that waits for 100 Continue gets the refusal instead, and never sends the body.
  server_.set_expect_100_continue_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        return Guard(req, res) == httplib::Server::HandlerResponse::Handled ? res.status : 100;
      });
  server_.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return Guard(req, res); });
  server_.set_exception_handler(
      [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        log_.Error("unhandled_exception");
        res.headers.clear();
        WriteError({ApiCode::kInternal, ""}, res);
      });
  server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const Route* route = FindRoute(req.method, req.path);
    const RequestRecord record{req.method, route ? route->path : "", LoggablePath(req.path),
                               res.status, ElapsedMs()};
    if (observer_) return observer_(record);
    log_.Info("request", req.method + " " + record.path + " " + std::to_string(res.status));
  });
  for (const Route& route : routes_) {
    auto handler = [this, &route](const httplib::Request& req, httplib::Response& res) {
      Dispatch(route, req, res);
    };
    const std::string pattern = EscapeRegex(route.path);
    if (route.method == "GET") {
      server_.Get(pattern, handler);
    } else if (route.method == "OPTIONS") {
      server_.Options(pattern, handler);
    } else {
      server_.Post(pattern, handler);
    }
  }
}

const Route* HttpServer::FindRoute(const std::string& method,
                                               const std::string& path) const {
  for (const Route& route : routes_) {
    if (route.method == method && route.path == path) return &route;
  }
  return nullptr;
}

httplib::Server::HandlerResponse HttpServer::Guard(const httplib::Request& req,
                                                   httplib::Response& res) {
  using HR = httplib::Server::HandlerResponse;
  request_start = std::chrono::steady_clock::now();
  const Route* route = FindRoute(req.method, req.path);
  if (route == nullptr) {
    res.status = 404;  // as Better Auth: no body, no content type
    return HR::Handled;
  }
  if (auto error = CheckFraming(req)) {
    WriteError(*error, res);
    return HR::Handled;
  }
  // Multipart is refused here, before the library's multipart parser sees the body. Other
  // content types are refused by the handler (ParseBody), after the library has read the
  // body, so no unread bytes stay on a kept-alive connection.
  if (route->method == "POST" && IsMultipart(req.get_header_value("Content-Type"))) {
    WriteError(UnsupportedMediaType(req.get_header_value("Content-Type"), route->allow_form), res);
    return HR::Handled;
  }
  return HR::Unhandled;
}

void HttpServer::Dispatch(const Route& route, const httplib::Request& req,
                          httplib::Response& res) {
  const HttpRequest request = ToHttpRequest(req);
  if (limiter_ != nullptr) {
    if (auto limited = ApplyRateLimit(*limiter_, request, route.limit_path)) {
      return WriteReply(*limited, res);
    }
  }
  WriteReply(route.handler(request), res);
}

Result<int> HttpServer::Bind() {
  if (config_.port == 0) {
    const int port = server_.bind_to_any_port(config_.host);
    if (port <= 0) return Error{Errc::kUnavailable, "cannot bind " + config_.host};
    return port;
  }
  if (!server_.bind_to_port(config_.host, config_.port)) {
    return Error{Errc::kUnavailable,
                 "cannot bind " + config_.host + ":" + std::to_string(config_.port)};
  }
  return config_.port;
}

bool HttpServer::Serve() { return server_.listen_after_bind(); }

void HttpServer::Stop() { server_.stop(); }

}  // namespace issuer::server
