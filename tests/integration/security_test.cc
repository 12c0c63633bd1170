// Issue 20 through the real binary: the DNS rebinding guard (Host pinning), the base URL as the
// only issuer, production without a base URL, and /metrics on its own listener.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/support/issuer.h"
#include "tests/support/wire.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

// One request with exactly these Host and Origin headers (none when empty).
WireResponse Exchange(int port, const std::string& method, const std::string& path,
                      const std::string& host, const std::string& origin = "",
                      const std::string& body = "", const std::string& extra = "") {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
  if (!origin.empty()) request += "Origin: " + origin + "\r\n";
  if (method == "POST") {
    request += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n";
  }
  request += extra + "Connection: close\r\n\r\n" + body;
  auto res = RoundTrip(port, request);
  REQUIRE(res);
  return *res;
}

// A 403 HOST_NOT_ALLOWED naming `host` and the flag that allows it.
void CheckRefused(const WireResponse& res, const std::string& host) {
  INFO(res.body);
  CHECK(res.status == 403);
  const json body = json::parse(res.body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["code"] == "HOST_NOT_ALLOWED");
  const std::string message = body.value("message", "");
  CHECK(message.find("\"" + host + "\"") != std::string::npos);
  CHECK(message.find("--allowed-host") != std::string::npos);
}

std::string Rebind(int port) { return "rebind.attacker.example:" + std::to_string(port); }

const json kUser = {{"email", "dana@example.com"}, {"password", "password123"}, {"name", "Dana"}};

}  // namespace

TEST_SUITE("security") {
  TEST_CASE("--test-api without a base URL: every rebinding request is refused") {
    IssuerServer srv({"--db", ":memory:", "--test-api"});
    const int port = srv.port();
    const std::string rebind = Rebind(port);
    const std::string rebind_origin = "http://" + rebind;
    PostJson(srv, "/__test/sessions", kUser);
    PostJson(srv, "/api/auth/request-password-reset", {{"email", "dana@example.com"}});

    CheckRefused(Exchange(port, "GET", "/__test/mail", rebind), rebind);
    CheckRefused(Exchange(port, "POST", "/__test/reset", rebind, rebind_origin, "{}"), rebind);
    CheckRefused(Exchange(port, "POST", "/__test/sessions", rebind, rebind_origin,
                          R"({"email":"dana@example.com"})"),
                 rebind);
    CheckRefused(Exchange(port, "DELETE", "/__test/mail", rebind), rebind);
    CheckRefused(Exchange(port, "GET", "/__test/clock", "payments.internal:8443"),
                 "payments.internal:8443");
    // The API too, since Host would decide iss, aud and the reset links.
    CheckRefused(Exchange(port, "GET", "/api/auth/token", "payments.internal:8443"),
                 "payments.internal:8443");
    CheckRefused(Exchange(port, "POST", "/api/auth/request-password-reset", "attacker.example",
                          "", R"({"email":"dana@example.com"})"),
                 "attacker.example");
    // Nothing happened: the user is there, the mailbox holds the one reset message.
    const json mail = JsonOf(srv.client().Get("/__test/mail"));
    REQUIRE(mail.size() == 1);
    CHECK(mail[0]["url"].get<std::string>().rfind("http://127.0.0.1:" + std::to_string(port), 0) ==
          0);
    PostJson(srv, "/api/auth/sign-in/email",
             {{"email", "dana@example.com"}, {"password", "password123"}});
  }

  TEST_CASE("loopback Host names are served, with any port") {
    IssuerServer srv({"--db", ":memory:", "--test-api"});
    const int port = srv.port();
    const std::string p = ":" + std::to_string(port);
    const std::vector<std::string> hosts = {"localhost" + p, "127.0.0.1" + p, "[::1]" + p,
                                            "localhost",      "LocalHost:1",   "app.localhost" + p,
                                            "127.0.0.1:9"};
    for (const std::string& host : hosts) {
      CAPTURE(host);
      CHECK(Exchange(port, "GET", "/__test/mail", host).status == 200);
      CHECK(Exchange(port, "GET", "/api/auth/ok", host).status == 200);
      CHECK(Exchange(port, "POST", "/__test/reset", host, "http://" + host, "{}").status == 200);
    }
    // Origin checks stay on top: a loopback Host with an untrusted page is still refused.
    const WireResponse untrusted =
        Exchange(port, "POST", "/__test/reset", "localhost" + p, "http://evil.example", "{}");
    CHECK(untrusted.status == 403);
    CHECK(untrusted.body.find("INVALID_ORIGIN") != std::string::npos);
  }

  TEST_CASE("--allowed-host NAME: that name is served, any port, others still refused") {
    IssuerServer srv({"--db", ":memory:", "--test-api", "--allowed-host", "dev.example.test"});
    const int port = srv.port();
    CHECK(Exchange(port, "GET", "/__test/mail", "dev.example.test:" + std::to_string(port))
              .status == 200);
    CHECK(Exchange(port, "GET", "/api/auth/ok", "dev.example.test").status == 200);
    CheckRefused(Exchange(port, "GET", "/__test/mail", Rebind(port)), Rebind(port));
  }

  TEST_CASE("--base-url http://localhost:3000: the mailbox and reset-password refuse rebinding") {
    IssuerServer srv({"--db", ":memory:", "--test-api", "--base-url", "http://localhost:3000"});
    const int port = srv.port();
    const std::string rebind = Rebind(port);
    PostJson(srv, "/__test/sessions", kUser);
    PostJson(srv, "/api/auth/request-password-reset", {{"email", "dana@example.com"}});
    CheckRefused(Exchange(port, "GET", "/__test/mail", rebind), rebind);
    CheckRefused(Exchange(port, "GET", "/__test/mail?to=dana@example.com", rebind), rebind);
    const json mail = JsonOf(srv.client().Get("/__test/mail"));
    REQUIRE(mail.size() == 1);
    const std::string token = mail[0]["token"];
    const std::string reset = json{{"token", token}, {"newPassword", "taken-over-123"}}.dump();
    CheckRefused(Exchange(port, "POST", "/api/auth/reset-password", rebind, "http://" + rebind,
                          reset),
                 rebind);
    // The password is unchanged; the same reset from the developer's own page works.
    PostJson(srv, "/api/auth/sign-in/email",
             {{"email", "dana@example.com"}, {"password", "password123"}});
    CHECK(Exchange(port, "POST", "/api/auth/reset-password", "localhost:3000",
                   "http://localhost:3000", reset)
              .status == 200);
  }

  TEST_CASE("a public base URL is the issuer: Host never changes iss, aud, links or discovery") {
    IssuerServer srv({"--db", ":memory:", "--test-api", "--discovery", "--base-url",
                      "https://auth.example.com"});
    const int port = srv.port();
    const std::string base = "https://auth.example.com";
    const json made = PostJson(srv, "/__test/sessions", kUser);
    const std::string bearer = "Authorization: Bearer " + made["bearer"].get<std::string>() + "\r\n";
    // The API answers any Host when a public base URL is set (a proxy may rename it) ...
    const WireResponse token =
        Exchange(port, "GET", "/api/auth/token", "payments.internal:8443", "", "", bearer);
    REQUIRE(token.status == 200);
    const json claims = JwtPart(json::parse(token.body)["token"], 1);
    CHECK(claims["iss"] == base);
    CHECK(claims["aud"] == base);
    CHECK(Exchange(port, "POST", "/api/auth/request-password-reset", "attacker.example", "",
                   R"({"email":"dana@example.com"})")
              .status == 200);
    CHECK(Exchange(port, "POST", "/api/auth/send-verification-email", "attacker.example", "",
                   R"({"email":"dana@example.com"})")
              .status == 200);
    const WireResponse discovery =
        Exchange(port, "GET", "/.well-known/openid-configuration", "attacker.example");
    REQUIRE(discovery.status == 200);
    CHECK(json::parse(discovery.body)["issuer"] == base);
    CHECK(json::parse(discovery.body)["jwks_uri"] == base + "/api/auth/jwks");
    // ... but dev routes only the loopback names and the base URL's host.
    CheckRefused(Exchange(port, "GET", "/__test/mail", "attacker.example"), "attacker.example");
    CHECK(Exchange(port, "GET", "/__test/mail", "auth.example.com").status == 200);
    const json mail = JsonOf(srv.client().Get("/__test/mail"));
    REQUIRE(mail.size() == 2);
    for (const json& m : mail) {
      CAPTURE(m.dump());
      CHECK(m["url"].get<std::string>().rfind(base + "/api/auth/", 0) == 0);
    }
  }

  TEST_CASE("NODE_ENV=production without a base URL exits 2 (stricter than Better Auth)") {
    const std::string secret = "BETTER_AUTH_SECRET=production-secret-0123456789abcdefghij";
    const CommandResult refused = RunCommand(
        {kIssuerBin, "--port", "0", "--db", ":memory:"}, {secret, "NODE_ENV=production"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.out.empty());  // no ready line
    CHECK(refused.err.find("NODE_ENV=production needs a base URL") != std::string::npos);
    CHECK(refused.err.find("--base-url or BETTER_AUTH_URL") != std::string::npos);
    // Either way of naming it starts the server.
    IssuerServer by_flag({"--db", ":memory:", "--base-url", "https://auth.example.com"},
                         {secret, "NODE_ENV=production"});
    CHECK(by_flag.client().Get("/api/auth/ok")->status == 200);
    CHECK(by_flag.Stop() == 0);
    IssuerServer by_env({"--db", ":memory:"},
                        {secret, "NODE_ENV=production", "BETTER_AUTH_URL=https://auth.example.com"});
    CHECK(by_env.client().Get("/api/auth/ok")->status == 200);
    CHECK(by_env.Stop() == 0);
  }

  TEST_CASE("/metrics only on --metrics-listen's own listener, the API port answers 404") {
    IssuerServer plain({"--db", ":memory:"});
    CHECK(plain.client().Get("/metrics")->status == 404);
    const int metrics_port = FreePort();
    IssuerServer srv({"--db", ":memory:", "--metrics-listen", std::to_string(metrics_port)});
    auto api = srv.client().Get("/metrics");
    REQUIRE(api);
    CHECK(api->status == 404);
    CHECK(api->body.empty());
    httplib::Client metrics("127.0.0.1", metrics_port);
    auto res = metrics.Get("/metrics");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/plain; version=0.0.4");
    CHECK(res->body.find("ba_issuer_build_info{version=") != std::string::npos);
    // The metrics listener serves /metrics alone.
    CHECK(metrics.Get("/api/auth/ok")->status == 404);
    CHECK(metrics.Get("/api/auth/jwks")->status == 404);
    CHECK(srv.Stop() == 0);
    // A taken address stops start-up, naming the flag.
    IssuerServer holder({"--db", ":memory:", "--metrics-listen", std::to_string(metrics_port)});
    const CommandResult taken = RunCommand(
        {kIssuerBin, "--port", "0", "--db", ":memory:", "--metrics-listen",
         "127.0.0.1:" + std::to_string(metrics_port)},
        {kIssuerSecret});
    CHECK(taken.exit_code == 2);
    CHECK(taken.err.find("--metrics-listen: cannot bind 127.0.0.1:" +
                         std::to_string(metrics_port)) != std::string::npos);
  }
}

}  // namespace issuer::testing
