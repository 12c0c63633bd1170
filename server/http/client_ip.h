#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/types.h"

namespace issuer::server {

// An IPv4 or IPv6 address as bytes. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is IPv4.
struct IpAddress {
  std::array<unsigned char, 16> bytes{};  // IPv4: the first 4
  bool v4 = false;

  size_t size() const { return v4 ? 4 : 16; }
  bool operator==(const IpAddress&) const = default;
};

// A literal address ("203.0.113.7", "2001:DB8::1", "::ffff:192.0.2.1"), spelled any way
// inet_pton reads it; nullopt for anything else (ports, brackets, zone ids, lists, names).
std::optional<IpAddress> ParseIp(std::string_view text);

// A network: an address and how many of its leading bits count.
struct Cidr {
  IpAddress network;
  int prefix = 0;
};

// "IP" (all its bits) or "IP/PREFIX", PREFIX digits only and at most 32 (IPv4, also written
// IPv4-mapped) or 128 (IPv6); nullopt otherwise. Better Auth's parseCIDR.
std::optional<Cidr> ParseCidr(std::string_view text);

// Whether `ip` is inside `net` (never across families).
bool Contains(const Cidr& net, const IpAddress& ip);

// `ip` as Better Auth's normalizeIP writes it, which is also how it keys rate limits and what it
// stores as a session's ipAddress: IPv4 in dotted decimal; IPv6 as eight 4-digit lowercase hex
// groups with the bits past `ipv6_subnet` zeroed (so every spelling of one address, and every
// address of one /64 by default, is the same string).
std::string ClientKey(const IpAddress& ip, int ipv6_subnet);

// Whose address a request counts as (rate limits, sessions' ipAddress).
struct ClientIpPolicy {
  std::vector<Cidr> trusted_proxies;  // --trusted-proxy, advanced.ipAddress.trustedProxies
  std::vector<std::string> headers = {"x-forwarded-for"};  // ipAddressHeaders, lowercase
  int ipv6_subnet = 64;      // advanced.ipAddress.ipv6Subnet
  bool disabled = false;     // advanced.ipAddress.disableIpTracking
};

// The client of `request`, as ClientKey writes it. It is the peer (the socket's remote address)
// unless the peer is inside a trusted proxy network; then the first of `policy.headers` that the
// request carries (every line of it, comma-separated) is read from the right: each address a
// trusted hop reports is believed, and the first one that is not itself trusted is the client.
// Should the list run out or hold something that is not an address, the client is the last
// address believed. A header from an untrusted peer is never read.
// nullopt when tracking is disabled, or the request has no peer address (only requests made
// in-process have none: HttpServer always sets it).
std::optional<std::string> ClientAddress(const HttpRequest& request, const ClientIpPolicy& policy);

}  // namespace issuer::server
