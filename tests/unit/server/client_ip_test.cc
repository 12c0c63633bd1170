// Whose address a request counts as (issue 19 §7): CIDR parsing and matching, one key for every
// spelling of an address and for every address of one IPv6 /64, and X-Forwarded-For believed
// only from a trusted proxy, read from the right.
#include "server/http/client_ip.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace issuer::server {
namespace {

IpAddress Ip(const std::string& text) {
  auto ip = ParseIp(text);
  INFO(text);
  REQUIRE(ip.has_value());
  return *ip;
}

Cidr Net(const std::string& text) {
  auto net = ParseCidr(text);
  INFO(text);
  REQUIRE(net.has_value());
  return *net;
}

std::string Key(const std::string& text, int subnet = 64) { return ClientKey(Ip(text), subnet); }

HttpRequest From(const std::string& peer, std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest r;
  r.peer = peer;
  for (auto& [name, value] : headers) r.headers.emplace(name, value);
  return r;
}

ClientIpPolicy Trusting(std::vector<std::string> networks) {
  ClientIpPolicy policy;
  for (const std::string& n : networks) policy.trusted_proxies.push_back(Net(n));
  return policy;
}

std::string Client(const HttpRequest& r, const ClientIpPolicy& policy) {
  return ClientAddress(r, policy).value_or("<none>");
}

}  // namespace

TEST_SUITE("client ip") {
  TEST_CASE("addresses: IPv4, IPv6 in any spelling, IPv4-mapped IPv6 is IPv4, nothing else") {
    CHECK(Ip("203.0.113.7").v4);
    CHECK_FALSE(Ip("2001:db8::1").v4);
    CHECK(Ip("::ffff:192.0.2.1") == Ip("192.0.2.1"));
    CHECK(Ip("::FFFF:c000:0201") == Ip("192.0.2.1"));
    CHECK(Ip("2001:DB8::1") == Ip("2001:0db8:0000:0000:0000:0000:0000:0001"));
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4:80",
                            "[::1]", "fe80::1%eth0", "::g", "1.2.3.4, 5.6.7.8", " 1.2.3.4",
                            "localhost", "unknown", "2001:db8::1/64"}) {
      INFO(bad);
      CHECK_FALSE(ParseIp(bad).has_value());
    }
  }

  TEST_CASE("keys: every spelling of an address is one key, IPv6 grouped by its /64") {
    CHECK(Key("2001:db8::1") == "2001:0db8:0000:0000:0000:0000:0000:0000");
    CHECK(Key("2001:DB8::1") == Key("2001:db8::1"));
    CHECK(Key("2001:0db8::1") == Key("2001:db8::1"));
    CHECK(Key("2001:db8:0:0:ffff:ffff:ffff:ffff") == Key("2001:db8::1"));  // same /64
    CHECK(Key("2001:db8:0:1::1") != Key("2001:db8::1"));                    // the next /64
    CHECK(Key("2001:db8::1", 128) == "2001:0db8:0000:0000:0000:0000:0000:0001");
    CHECK(Key("2001:db8:abcd:1234::1", 48) == "2001:0db8:abcd:0000:0000:0000:0000:0000");
    CHECK(Key("2001:db8:abcd:ffff::1", 52) == "2001:0db8:abcd:f000:0000:0000:0000:0000");
    CHECK(Key("2001:db8::1", 0) == "0000:0000:0000:0000:0000:0000:0000:0000");
    CHECK(Key("::ffff:192.0.2.1") == "192.0.2.1");
    CHECK(Key("192.0.2.1") == "192.0.2.1");
  }

  TEST_CASE("CIDR: address or address/prefix, prefix digits within the family") {
    CHECK(Net("10.0.0.0/8").prefix == 8);
    CHECK(Net("127.0.0.1").prefix == 32);
    CHECK(Net("::1").prefix == 128);
    CHECK(Net("::ffff:10.0.0.0/8").network == Ip("10.0.0.0"));
    CHECK(Net("10.1.2.3/8").network == Ip("10.0.0.0"));  // host bits dropped
    for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/8/8",
                            "10.0.0.0/ 8", "10.0.0.0/-1", "example.com/8", "/8", ""}) {
      INFO(bad);
      CHECK_FALSE(ParseCidr(bad).has_value());
    }
  }

  TEST_CASE("CIDR matching: within the prefix, never across families") {
    CHECK(Contains(Net("10.0.0.0/8"), Ip("10.255.1.2")));
    CHECK_FALSE(Contains(Net("10.0.0.0/8"), Ip("11.0.0.1")));
    CHECK(Contains(Net("192.168.0.0/20"), Ip("192.168.15.255")));
    CHECK_FALSE(Contains(Net("192.168.0.0/20"), Ip("192.168.16.0")));
    CHECK(Contains(Net("127.0.0.1/32"), Ip("::ffff:127.0.0.1")));
    CHECK_FALSE(Contains(Net("127.0.0.1/32"), Ip("127.0.0.2")));
    CHECK(Contains(Net("2001:db8::/32"), Ip("2001:DB8:ffff::1")));
    CHECK_FALSE(Contains(Net("2001:db8::/32"), Ip("2001:db9::1")));
    CHECK(Contains(Net("0.0.0.0/0"), Ip("8.8.8.8")));
    CHECK_FALSE(Contains(Net("0.0.0.0/0"), Ip("::1")));
    CHECK_FALSE(Contains(Net("::/0"), Ip("8.8.8.8")));
  }

  TEST_CASE("the peer is the client when it is no trusted proxy: a spoofed header changes nothing") {
    const ClientIpPolicy none;
    CHECK(Client(From("198.51.100.4"), none) == "198.51.100.4");
    CHECK(Client(From("198.51.100.4", {{"x-forwarded-for", "203.0.113.7"}}), none) ==
          "198.51.100.4");
    const ClientIpPolicy proxy = Trusting({"127.0.0.1/32"});
    CHECK(Client(From("198.51.100.4", {{"x-forwarded-for", "203.0.113.7"}}), proxy) ==
          "198.51.100.4");
    CHECK(Client(From("::ffff:198.51.100.4"), proxy) == "198.51.100.4");
    CHECK(Client(From("2001:db8::1234"), none) == "2001:0db8:0000:0000:0000:0000:0000:0000");
    CHECK(Client(From("fe80::1%eth0"), none) == "fe80:0000:0000:0000:0000:0000:0000:0000");
    // No peer (a request made in-process) or tracking off: no client.
    CHECK_FALSE(ClientAddress(From(""), none).has_value());
    ClientIpPolicy off;
    off.disabled = true;
    CHECK_FALSE(ClientAddress(From("198.51.100.4"), off).has_value());
  }

  TEST_CASE("behind a trusted proxy: the right-most address that is not itself trusted") {
    const ClientIpPolicy policy = Trusting({"127.0.0.1/32", "10.0.0.0/8"});
    auto via = [&](const std::string& xff) {
      return Client(From("127.0.0.1", {{"x-forwarded-for", xff}}), policy);
    };
    CHECK(via("203.0.113.7") == "203.0.113.7");
    CHECK(via("6.6.6.6, 203.0.113.7") == "203.0.113.7");          // the client's own claim
    CHECK(via("6.6.6.6, 203.0.113.7, 10.1.2.3") == "203.0.113.7");  // an inner trusted hop
    CHECK(via("203.0.113.7,10.1.2.3 , 10.9.9.9") == "203.0.113.7");
    CHECK(via("garbage, 203.0.113.7") == "203.0.113.7");  // never read past the client
    CHECK(via("203.0.113.7, garbage") == "127.0.0.1");     // a trusted hop's nonsense: that hop
    CHECK(via("garbage, 10.1.2.3") == "10.1.2.3");
    CHECK(via("10.2.2.2, 10.1.2.3") == "10.2.2.2");  // all trusted: the farthest one
    CHECK(via(" , ") == "127.0.0.1");                 // nothing in it
    CHECK(via("2001:DB8::7") == "2001:0db8:0000:0000:0000:0000:0000:0000");
    CHECK(via("::ffff:203.0.113.7") == "203.0.113.7");
    // Repeated header lines are one list, in order.
    HttpRequest two = From("127.0.0.1", {{"x-forwarded-for", "6.6.6.6"},
                                          {"x-forwarded-for", "203.0.113.8"}});
    CHECK(Client(two, policy) == "203.0.113.8");
  }

  TEST_CASE("ipAddressHeaders: the first configured header present is read") {
    ClientIpPolicy policy = Trusting({"127.0.0.1"});
    policy.headers = {"cf-connecting-ip", "x-forwarded-for"};
    CHECK(Client(From("127.0.0.1", {{"x-forwarded-for", "203.0.113.7"}}), policy) ==
          "203.0.113.7");
    CHECK(Client(From("127.0.0.1", {{"x-forwarded-for", "203.0.113.7"},
                                    {"cf-connecting-ip", "198.51.100.9"}}),
                 policy) == "198.51.100.9");
    policy.headers = {"cf-connecting-ip"};  // X-Forwarded-For is then not read at all
    CHECK(Client(From("127.0.0.1", {{"x-forwarded-for", "203.0.113.7"}}), policy) ==
          "127.0.0.1");
    policy.headers = {};
    CHECK(Client(From("127.0.0.1", {{"x-forwarded-for", "203.0.113.7"}}), policy) ==
          "127.0.0.1");
  }
}

}  // namespace issuer::server
