// The DNS rebinding guard (issue 20): which Host headers pinned routes answer.
#include "server/http/host_pin.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace issuer::server {
namespace {

HttpRequest Request(const std::string& path, std::optional<std::string> host) {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.peer = "127.0.0.1";
  if (host) r.headers.emplace("host", *host);
  return r;
}

bool Served(const HostPin& pin, const std::string& path, std::optional<std::string> host) {
  return !pin.Refuse(Request(path, std::move(host))).has_value();
}

}  // namespace

TEST_SUITE("host pin") {
  TEST_CASE("PinnedName: lowercase, no port, one trailing dot dropped, malformed refused") {
    CHECK(PinnedName("LocalHost:3000") == "localhost");
    CHECK(PinnedName("localhost.") == "localhost");
    CHECK(PinnedName("[::1]:80") == "[::1]");
    CHECK(PinnedName("rebind.attacker.example:4000") == "rebind.attacker.example");
    for (const char* bad : {"", ":80", "a b", "evil.com:80:80", "[::1", "host:99999", "x/y", ".",
                            "a..", "user@host"}) {
      CAPTURE(bad);
      CHECK_FALSE(PinnedName(bad));
    }
  }

  TEST_CASE("loopback names: localhost, *.localhost, 127.0.0.0/8, [::1]") {
    for (const char* name : {"localhost", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]"}) {
      CAPTURE(name);
      CHECK(IsLoopbackName(name));
    }
    for (const char* name : {"localhost.example", "notlocalhost", "10.0.0.1", "[::2]",
                             "rebind.attacker.example", "0.0.0.0"}) {
      CAPTURE(name);
      CHECK_FALSE(IsLoopbackName(name));
    }
  }

  TEST_CASE("no base URL: dev routes and the API answer loopback Hosts only, any port") {
    Config config;
    HostPin pin(config);
    for (const std::string path : {"/__test/mail", "/__test/totp", "/api/auth/token",
                                   "/.well-known/openid-configuration"}) {
      CAPTURE(path);
      CHECK(pin.Pins(path));
      for (const char* host : {"localhost", "localhost:3000", "LOCALHOST:1", "127.0.0.1:4000",
                               "[::1]:4000", "vite.localhost:5173", "localhost.:3000"}) {
        CAPTURE(host);
        CHECK(Served(pin, path, host));
      }
      for (const char* host : {"rebind.attacker.example:4000", "payments.internal:8443",
                               "127.0.0.1.nip.io", "localhost.attacker.example", "", "x y"}) {
        CAPTURE(host);
        CHECK_FALSE(Served(pin, path, host));
      }
      CHECK_FALSE(Served(pin, path, std::nullopt));
    }
  }

  TEST_CASE("--allowed-host: that name, any port, and nothing else") {
    Config config;
    config.allowed_hosts = {"dev.example.test"};
    HostPin pin(config);
    CHECK(Served(pin, "/__test/mail", "dev.example.test:8080"));
    CHECK(Served(pin, "/api/auth/ok", "DEV.example.test"));
    CHECK_FALSE(Served(pin, "/__test/mail", "other.example.test"));
    CHECK_FALSE(Served(pin, "/__test/mail", "sub.dev.example.test"));
  }

  TEST_CASE("a public base URL: its host serves dev routes, the API answers any Host") {
    Config config;
    config.base_origin = "https://auth.example.com";
    HostPin pin(config);
    CHECK(pin.Pins("/__test/mail"));
    CHECK_FALSE(pin.Pins("/api/auth/token"));
    CHECK(Served(pin, "/__test/mail", "auth.example.com"));
    CHECK(Served(pin, "/__test/mail", "localhost:3000"));
    CHECK_FALSE(Served(pin, "/__test/mail", "rebind.attacker.example"));
    CHECK(Served(pin, "/api/auth/token", "rebind.attacker.example"));  // iss is the base URL's
  }

  TEST_CASE("a loopback base URL pins the API too (a server meant for this machine)") {
    Config config;
    config.base_origin = "http://localhost:3000";
    HostPin pin(config);
    CHECK(pin.Pins("/api/auth/reset-password"));
    CHECK_FALSE(Served(pin, "/api/auth/reset-password", "rebind.attacker.example:3000"));
    CHECK(Served(pin, "/api/auth/reset-password", "localhost:3000"));
  }

  TEST_CASE("the refusal: 403 HOST_NOT_ALLOWED naming the Host and --allowed-host") {
    Config config;
    HostPin pin(config);
    auto refused = pin.Refuse(Request("/__test/mail", "Rebind.Attacker.Example:4000"));
    REQUIRE(refused);
    CHECK(refused->status == 403);
    const auto body = nlohmann::json::parse(refused->body);
    CHECK(body["code"] == "HOST_NOT_ALLOWED");
    const std::string message = body["message"];
    CHECK(message.find("\"Rebind.Attacker.Example:4000\"") != std::string::npos);
    CHECK(message.find("--allowed-host rebind.attacker.example") != std::string::npos);
    auto odd = pin.Refuse(Request("/__test/mail", std::string("a\x01\xff")));
    REQUIRE(odd);
    CHECK(nlohmann::json::parse(odd->body)["message"].get<std::string>().find("a??") !=
          std::string::npos);
  }

  TEST_CASE("WithHostPin refuses before the handler runs") {
    Config config;
    HostPin pin(config);
    int calls = 0;
    std::vector<Route> routes = WithHostPin(
        {Route{"POST", "/__test/reset", [&calls](const HttpRequest&) {
                 ++calls;
                 return HttpReply{};
               },
               false, "/reset"}},
        pin);
    HttpRequest r = Request("/__test/reset", "rebind.attacker.example:4000");
    r.method = "POST";
    r.headers.emplace("origin", "http://rebind.attacker.example:4000");
    CHECK(routes[0].handler(r).status == 403);
    CHECK(calls == 0);
    CHECK(routes[0].handler(Request("/__test/reset", "127.0.0.1:4000")).status == 200);
    CHECK(calls == 1);
  }
}

}  // namespace issuer::server
