#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace issuer::server {

// The parts of an absolute URL that origin checks need (WHATWG-style, simplified: lowercase
// scheme and host, default ports dropped, userinfo ignored).
struct ParsedUrl {
  std::string scheme;  // "http"
  std::string host;    // "localhost", "[::1]"
  std::string port;    // "" when default or absent
  std::string path;    // "/api/auth" ("" when absent)

  std::string Origin() const { return scheme + "://" + host + (port.empty() ? "" : ":" + port); }
};

// nullopt unless `url` is an absolute URL with a scheme and a valid host.
std::optional<ParsedUrl> ParseUrl(std::string_view url);

// The host and port of a Host header value ("Example.COM:3000" -> {"example.com", "3000"};
// "[::1]" -> {"[::1]", ""}): the host lowercase, nullopt unless it is a valid host name or IP
// with an optional port.
struct HostPort {
  std::string host;
  std::string port;  // "" when absent
};
std::optional<HostPort> ParseHostHeader(std::string_view host);

// "http://" + host for a Host header value, if it is a valid host name or IP with an optional
// port (Better Auth's rule when no base URL is configured).
std::optional<std::string> OriginFromHost(std::string_view host, bool https);

}  // namespace issuer::server
