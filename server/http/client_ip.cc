#include "server/http/client_ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "common/text.h"

namespace issuer::server {
namespace {

constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// The bits of `ip` past `prefix` zeroed.
IpAddress Masked(IpAddress ip, int prefix) {
  for (size_t i = 0; i < ip.size(); ++i) {
    const int keep = std::clamp(prefix - static_cast<int>(i) * 8, 0, 8);
    ip.bytes[i] &= static_cast<unsigned char>(0xff00 >> keep);
  }
  return ip;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool Trusted(const ClientIpPolicy& policy, const IpAddress& ip) {
  return std::any_of(policy.trusted_proxies.begin(), policy.trusted_proxies.end(),
                     [&](const Cidr& net) { return Contains(net, ip); });
}

// Every line of header `name`, split at commas, trimmed, empty items dropped (as Node joins
// repeated lines with ", " before Better Auth reads them).
std::vector<std::string> HeaderItems(const HttpRequest& request, const std::string& name) {
  std::vector<std::string> items;
  auto [begin, end] = request.headers.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    std::string_view rest = it->second;
    while (true) {
      const size_t comma = rest.find(',');
      std::string item = Trim(rest.substr(0, comma));
      if (!item.empty()) items.push_back(std::move(item));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return items;
}

// From `peer` back along `hops` (nearest last) for as long as the address in hand is trusted.
IpAddress ThroughProxies(const IpAddress& peer, const std::vector<std::string>& hops,
                         const ClientIpPolicy& policy) {
  IpAddress client = peer;
  for (auto it = hops.rbegin(); it != hops.rend() && Trusted(policy, client); ++it) {
    auto hop = ParseIp(*it);
    if (!hop) break;
    client = *hop;
  }
  return client;
}

// The socket's address; an IPv6 zone id ("fe80::1%eth0") is dropped.
std::optional<IpAddress> ParsePeer(std::string_view peer) {
  return ParseIp(peer.substr(0, peer.find('%')));
}

}  // namespace

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;  // INET6_ADDRSTRLEN - 1
  const std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.v4 = true;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  if (std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), ip.bytes.begin())) {
    std::copy(ip.bytes.begin() + 12, ip.bytes.end(), ip.bytes.begin());
    std::fill(ip.bytes.begin() + 4, ip.bytes.end(), 0);
    ip.v4 = true;
  }
  return ip;
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  const size_t slash = text.rfind('/');
  auto ip = ParseIp(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const int bits = static_cast<int>(ip->size()) * 8;
  if (slash == std::string_view::npos) return Cidr{*ip, bits};
  const std::string_view digits = text.substr(slash + 1);
  if (!AllDigits(digits)) return std::nullopt;
  const int prefix = std::stoi(std::string(digits));
  if (prefix > bits) return std::nullopt;
  return Cidr{Masked(*ip, prefix), prefix};
}

bool Contains(const Cidr& net, const IpAddress& ip) {
  return ip.v4 == net.network.v4 && Masked(ip, net.prefix) == net.network;
}

std::string ClientKey(const IpAddress& ip, int ipv6_subnet) {
  char out[40];
  if (ip.v4) {
    std::snprintf(out, sizeof out, "%u.%u.%u.%u", ip.bytes[0], ip.bytes[1], ip.bytes[2],
                  ip.bytes[3]);
    return out;
  }
  const IpAddress net = ipv6_subnet < 128 ? Masked(ip, ipv6_subnet) : ip;
  std::string key;
  for (size_t i = 0; i < 16; i += 2) {
    std::snprintf(out, sizeof out, "%s%02x%02x", i == 0 ? "" : ":", net.bytes[i],
                  net.bytes[i + 1]);
    key += out;
  }
  return key;
}

std::optional<std::string> ClientAddress(const HttpRequest& request,
                                         const ClientIpPolicy& policy) {
  if (policy.disabled) return std::nullopt;
  auto peer = ParsePeer(request.peer);
  if (!peer) return std::nullopt;
  IpAddress client = *peer;
  if (Trusted(policy, *peer)) {
    for (const std::string& name : policy.headers) {
      const std::vector<std::string> hops = HeaderItems(request, name);
      if (hops.empty()) continue;
      client = ThroughProxies(*peer, hops, policy);
      break;
    }
  }
  return ClientKey(client, policy.ipv6_subnet);
}

}  // namespace issuer::server
