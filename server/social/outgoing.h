#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace issuer::server::social {

// A request to an OAuth provider (token, userinfo, discovery, JWKS).
struct OutgoingRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;             // absolute
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;  // for a body
};

struct OutgoingResponse {
  int status = 0;
  std::string body;
};

// ba-issuer's calls to providers, through cpp-httplib's client: https with the system's CA
// certificates verified, connect and read timeouts, redirects not followed, and the response
// body bounded (a longer one is an error, never buffered). http:// is refused except to a
// loopback host when `allow_loopback_http` (development and tests: the dev provider).
// Thread-safe: every call has its own connection.
class OutgoingHttp {
 public:
  struct Limits {
    int connect_timeout_s = 5;
    int read_timeout_s = 10;
    size_t max_body_bytes = 1 << 20;
    bool allow_loopback_http = false;
  };
  explicit OutgoingHttp(Limits limits) : limits_(limits) {}

  // The response, whatever its status. kInvalidArgument for a URL that is refused;
  // kUnavailable when the provider cannot be reached, times out, or answers too much.
  Result<OutgoingResponse> Send(const OutgoingRequest& request) const;

 private:
  Limits limits_;
};

}  // namespace issuer::server::social
