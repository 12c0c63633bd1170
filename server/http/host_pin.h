#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/config/config.h"
#include "server/http/route.h"
#include "server/http/types.h"

namespace issuer::server {

// The guard against DNS rebinding (issue 20; Vite's CVE-2025-24010 fix is the same rule). A
// page on attacker.example whose name the attacker re-points at 127.0.0.1 reaches a server on
// the developer's machine from the loopback peer, but its requests still say
// `Host: attacker.example`. So a pinned route answers only these Host headers, any port:
//   - a loopback name: localhost, *.localhost, 127.0.0.0/8, [::1];
//   - the base URL's host;
//   - a name given with --allowed-host.
// Pinned: every dev-only route (paths under "/__": the test API, the dev mailbox, plugins'
// test routes), always; and every other route (the Better Auth API, discovery) while the base
// URL is absent (Host would then decide iss, aud and links) or names a loopback host (a
// server meant for this machine only). A request with another Host, or none, gets 403
// HOST_NOT_ALLOWED naming the Host and the flag that allows it. Thread-safe.
class HostPin {
 public:
  // `config` is read on each request (the in-process test server sets its base URL once
  // bound; --allowed-host names are fixed from the start) and must outlive the HostPin.
  explicit HostPin(const Config& config) : config_(config) {}

  // Whether requests to `path` must pass the pin.
  bool Pins(const std::string& path) const;
  // The refusal of `request`, or nullopt when its path is not pinned or its Host is allowed.
  std::optional<HttpReply> Refuse(const HttpRequest& request) const;

 private:
  struct Verdict;
  bool PinsApi() const;  // the Better Auth API routes are pinned too
  bool Allows(std::string_view host_header) const;

  const Config& config_;
};

// The host name of a Host header or --allowed-host value as the pin compares it: lowercase,
// without port or one trailing dot ("LocalHost.:3000" -> "localhost"); nullopt if malformed.
std::optional<std::string> PinnedName(std::string_view host_header);

// True for a name only this machine answers to: localhost, *.localhost, 127.0.0.0/8, [::1]
// (a PinnedName).
bool IsLoopbackName(std::string_view name);

// `routes` with every request to a pinned path refusing a Host the pin does not allow before its handler
// runs. `pin` must outlive the routes.
std::vector<Route> WithHostPin(std::vector<Route> routes, const HostPin& pin);

}  // namespace issuer::server
