#include "server/http/loopback.h"

#include <arpa/inet.h>

#include <string>

#include "common/text.h"

namespace issuer::server {
namespace {

bool IsLoopbackIpv4(const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return false;
  return (ntohl(addr.s_addr) >> 24) == 127;
}

}  // namespace

bool IsLoopback(std::string_view host_or_address) {
  std::string host = Lowercase(host_or_address);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") return true;
  if (IsLoopbackIpv4(host)) return true;
  in6_addr addr6{};
  if (inet_pton(AF_INET6, host.c_str(), &addr6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&addr6)) return true;
  if (!IN6_IS_ADDR_V4MAPPED(&addr6)) return false;
  return addr6.s6_addr[12] == 127;
}

}  // namespace issuer::server
