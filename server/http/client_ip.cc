#include "server/http/client_ip.h"

#include <arpa/inet.h>

#include "common/text.h"

namespace issuer::server {
namespace {

// A literal IPv4 or IPv6 address (no ports, no lists).
bool IsIpAddress(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::optional<std::string> ForwardedIp(const HttpRequest& request) {
  auto forwarded = request.Header("x-forwarded-for");
  if (!forwarded) return std::nullopt;
  std::string ip = Trim(*forwarded);
  if (!IsIpAddress(ip)) return std::nullopt;
  return ip;
}

}  // namespace issuer::server
