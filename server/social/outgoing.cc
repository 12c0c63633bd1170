#include "server/social/outgoing.h"

#include <httplib.h>

#include "server/http/loopback.h"
#include "server/http/url.h"

namespace issuer::server::social {
namespace {

struct Target {
  std::string origin;  // scheme://host[:port]
  std::string path;    // path and query ("/" when absent)
};

Result<Target> SplitUrl(const std::string& url, bool allow_loopback_http) {
  auto parsed = ParseUrl(url);
  if (!parsed || (parsed->scheme != "https" && parsed->scheme != "http")) {
    return Error{Errc::kInvalidArgument, "not an http(s) URL"};
  }
  if (parsed->scheme == "http" && !(allow_loopback_http && IsLoopback(parsed->host))) {
    return Error{Errc::kInvalidArgument, "http:// is only allowed to loopback in development"};
  }
  const size_t authority = url.find("://") + 3;
  const size_t slash = url.find_first_of("/?#", authority);
  std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  if (const size_t hash = path.find('#'); hash != std::string::npos) path.resize(hash);
  if (path.empty() || path[0] == '?') path.insert(0, "/");
  return Target{parsed->Origin(), path};
}

}  // namespace

Result<OutgoingResponse> OutgoingHttp::Send(const OutgoingRequest& request) const {
  auto target = SplitUrl(request.url, limits_.allow_loopback_http);
  if (!target.ok()) return target.error();
  httplib::Client client(target->origin);
  client.set_connection_timeout(limits_.connect_timeout_s, 0);
  client.set_read_timeout(limits_.read_timeout_s, 0);
  client.set_write_timeout(limits_.read_timeout_s, 0);
  client.set_follow_location(false);
  client.enable_server_certificate_verification(true);
  httplib::Request req;
  req.method = request.method;
  req.path = target->path;
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  if (!request.content_type.empty()) req.headers.emplace("Content-Type", request.content_type);
  req.body = request.body;
  std::string body;
  bool too_large = false;
  const size_t max = limits_.max_body_bytes;
  req.content_receiver = [&body, &too_large, max](const char* data, size_t length, uint64_t,
                                                   uint64_t) {
    if (body.size() + length > max) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  };
  httplib::Result result = client.send(req);
  if (too_large) return Error{Errc::kUnavailable, "provider response too large"};
  if (!result) {
    return Error{Errc::kUnavailable, "provider unreachable: " + httplib::to_string(result.error())};
  }
  return OutgoingResponse{result->status, std::move(body)};
}

}  // namespace issuer::server::social
