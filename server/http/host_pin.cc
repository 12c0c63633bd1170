#include "server/http/host_pin.h"

#include <algorithm>

#include "server/http/loopback.h"
#include "server/http/reply.h"
#include "server/http/url.h"

namespace issuer::server {
namespace {

// The Host as the error message may quote it: printable ASCII only, at most 200 bytes.
std::string Quotable(std::string_view host) {
  std::string out(host.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return out;
}

std::string RefusalMessage(const std::optional<std::string>& host_header) {
  if (!host_header) {
    return "no Host header: dev routes and, without a public base URL, the API answer only "
           "requests that name a loopback host (localhost, 127.0.0.1, [::1]) or an "
           "--allowed-host";
  }
  const std::string quoted = Quotable(*host_header);
  const std::optional<std::string> name = PinnedName(*host_header);
  std::string message = "Host \"" + quoted +
                        "\" is not allowed (DNS rebinding guard): only loopback names "
                        "(localhost, 127.0.0.1, [::1]), the base URL's host and --allowed-host "
                        "names are served here";
  if (name) message += "; start ba-issuer with --allowed-host " + Quotable(*name) + " to allow it";
  return message;
}

}  // namespace

std::optional<std::string> PinnedName(std::string_view host_header) {
  auto parsed = ParseHostHeader(host_header);
  if (!parsed) return std::nullopt;
  std::string name = std::move(parsed->host);
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  if (name.empty() || name.back() == '.') return std::nullopt;
  return name;
}

bool IsLoopbackName(std::string_view name) {
  if (name == "localhost" || name.ends_with(".localhost")) return true;
  return IsLoopback(name);
}

bool HostPin::Pins(const std::string& path) const {
  return path.starts_with("/__") || PinsApi();
}

bool HostPin::PinsApi() const {
  if (config_.base_origin.empty()) return true;
  auto base = ParseUrl(config_.base_origin);
  return !base || IsLoopbackName(base->host);
}

bool HostPin::Allows(std::string_view host_header) const {
  const std::optional<std::string> name = PinnedName(host_header);
  if (!name) return false;
  if (IsLoopbackName(*name)) return true;
  if (auto base = ParseUrl(config_.base_origin); base && PinnedName(base->host) == name) {
    return true;
  }
  const std::vector<std::string>& allowed = config_.allowed_hosts;
  return std::find(allowed.begin(), allowed.end(), *name) != allowed.end();
}

// A worker thread's last verdict: a connection's requests, and most clients', name one Host,
// so it is parsed and compared once rather than on every request. Keyed by everything the
// verdict depends on that may change (the base URL is set once the test server is bound).
struct HostPin::Verdict {
  const HostPin* pin = nullptr;
  std::string base_origin;
  std::optional<std::string> host;
  bool pins_api = false;
  bool allowed = false;
};

std::optional<HttpReply> HostPin::Refuse(const HttpRequest& request) const {
  thread_local Verdict last;
  std::optional<std::string> host = request.Header("host");
  if (last.pin != this || last.host != host || last.base_origin != config_.base_origin) {
    const bool allowed = host && Allows(*host);
    last = Verdict{this, config_.base_origin, std::move(host), PinsApi(), allowed};
  }
  if (!(last.pins_api || request.path.starts_with("/__")) || last.allowed) return std::nullopt;
  return ErrorReply({ApiCode::kHostNotAllowed, RefusalMessage(last.host)});
}

std::vector<Route> WithHostPin(std::vector<Route> routes, const HostPin& pin) {
  for (Route& route : routes) {
    route.handler = [&pin, handler = std::move(route.handler)](const HttpRequest& request) {
      if (auto refused = pin.Refuse(request)) return *refused;
      return handler(request);
    };
  }
  return routes;
}

}  // namespace issuer::server
