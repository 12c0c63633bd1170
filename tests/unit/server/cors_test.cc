// CORS rules: trusted cross-origin pages only, never "*", credentials, Vary and preflight.
#include "server/http/cors.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

namespace issuer::server {
namespace {

constexpr char kOwn[] = "http://localhost:3000";

HttpRequest WithOrigin(const std::string& origin, const std::string& method = "GET") {
  HttpRequest r;
  r.method = method;
  r.path = "/api/auth/token";
  if (!origin.empty()) r.headers.emplace("origin", origin);
  return r;
}

std::optional<std::string> HeaderOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [n, v] : reply.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

struct Fixture {
  TrustedOrigins trusted{{"http://localhost:5173", "https://*.preview.example.com"}};
  Cors cors{trusted, [](const HttpRequest&) { return std::string(kOwn); }};

  HttpReply Applied(const std::string& origin, HttpReply reply = {}) {
    cors.Apply(WithOrigin(origin), &reply);
    return reply;
  }
};

}  // namespace

TEST_SUITE("cors") {
  TEST_CASE("a trusted origin gets its own origin back, credentials and the exposed headers") {
    Fixture f;
    for (const char* origin : {"http://localhost:5173", "https://pr-12.preview.example.com"}) {
      CAPTURE(origin);
      const HttpReply reply = f.Applied(origin);
      CHECK(HeaderOf(reply, "Access-Control-Allow-Origin") == origin);
      CHECK(HeaderOf(reply, "Access-Control-Allow-Credentials") == "true");
      CHECK(HeaderOf(reply, "Access-Control-Expose-Headers") == "set-auth-jwt, set-auth-token");
      CHECK(HeaderOf(reply, "Vary") == "Origin");
    }
  }

  TEST_CASE("an untrusted, same, opaque or unserialised origin gets no CORS header") {
    Fixture f;
    for (const char* origin : {"http://evil.example", "http://localhost:5174", "null",
                               "http://localhost:3000", "http://localhost:5173/",
                               "HTTP://LOCALHOST:5173", "https://preview.example.com",
                               "http://localhost:5173.evil.example", ""}) {
      CAPTURE(origin);
      const HttpReply reply = f.Applied(origin);
      CHECK_FALSE(HeaderOf(reply, "Access-Control-Allow-Origin"));
      CHECK_FALSE(HeaderOf(reply, "Access-Control-Allow-Credentials"));
      CHECK_FALSE(HeaderOf(reply, "Access-Control-Expose-Headers"));
      CHECK(HeaderOf(reply, "Vary") == "Origin");
    }
  }

  TEST_CASE("exposed headers merge with the reply's own, without repeats") {
    Fixture f;
    HttpReply reply;
    reply.AddHeader("Access-Control-Expose-Headers", "set-auth-jwt");
    reply.AddHeader("Vary", "Accept-Encoding");
    reply = f.Applied("http://localhost:5173", reply);
    CHECK(HeaderOf(reply, "Access-Control-Expose-Headers") == "set-auth-jwt, set-auth-token");
    CHECK(HeaderOf(reply, "Vary") == "Accept-Encoding, Origin");
  }

  TEST_CASE("preflight: 204 with methods and headers for a trusted origin, 404 otherwise") {
    Fixture f;
    HttpRequest request = WithOrigin("http://localhost:5173", "OPTIONS");
    request.headers.emplace("access-control-request-method", "POST");
    request.headers.emplace("access-control-request-headers", "Content-Type, X-Trace-Id");
    const HttpReply ok = f.cors.Preflight(request, "GET, POST");
    CHECK(ok.status == 204);
    CHECK(ok.body.empty());
    CHECK(HeaderOf(ok, "Access-Control-Allow-Origin") == "http://localhost:5173");
    CHECK(HeaderOf(ok, "Access-Control-Allow-Credentials") == "true");
    CHECK(HeaderOf(ok, "Access-Control-Allow-Methods") == "GET, POST");
    CHECK(HeaderOf(ok, "Access-Control-Allow-Headers") == "content-type, x-trace-id");
    CHECK(HeaderOf(ok, "Vary")->find("Origin") == 0);
    request.headers.erase("access-control-request-headers");
    request.headers.emplace("access-control-request-headers", "x-a\r\nSet-Cookie: a=b");
    CHECK(HeaderOf(f.cors.Preflight(request, "GET"), "Access-Control-Allow-Headers") ==
          "content-type, authorization");
    const HttpReply refused = f.cors.Preflight(WithOrigin("http://evil.example", "OPTIONS"), "GET");
    CHECK(refused.status == 404);
    CHECK(refused.headers.empty());
  }

  TEST_CASE("WithCors adds one OPTIONS route per path and passes answers through Apply") {
    Fixture f;
    std::vector<Route> routes = {
        Route{"GET", "/a", [](const HttpRequest&) { return HttpReply{}; }, false, "/a"},
        Route{"POST", "/a", [](const HttpRequest&) { return HttpReply{}; }, false, "/a"},
        Route{"GET", "/b", [](const HttpRequest&) { return HttpReply{}; }, false, "/b"}};
    routes = WithCors(std::move(routes), f.cors);
    REQUIRE(routes.size() == 5);
    CHECK(routes[3].method == "OPTIONS");
    CHECK(routes[3].path == "/a");
    CHECK(HeaderOf(routes[0].handler(WithOrigin("http://localhost:5173")),
                   "Access-Control-Allow-Origin") == "http://localhost:5173");
    HttpRequest preflight = WithOrigin("http://localhost:5173", "OPTIONS");
    CHECK(HeaderOf(routes[3].handler(preflight), "Access-Control-Allow-Methods") == "GET, POST");
    for (const Route& route : routes) {
      const HttpReply reply = route.handler(WithOrigin("http://localhost:5173"));
      CHECK(HeaderOf(reply, "Access-Control-Allow-Origin") != "*");
    }
  }
}

}  // namespace issuer::server
