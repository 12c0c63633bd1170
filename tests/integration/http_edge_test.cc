// The HTTP edge in process: request smuggling through refused or ignored bodies, chunked and
// compressed bodies read as Better Auth reads them, framing Node refuses, bare POSTs.
#include <doctest/doctest.h>
#include <unistd.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/test_server.h"
#include "tests/support/wire.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

constexpr char kProbe[] = "GET /api/auth/ok HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

std::string SignUpBody(const std::string& email) {
  return json{{"name", "Smuggled"}, {"email", email}, {"password", "password123"}}.dump();
}

// The request line and headers of a JSON sign-up carrying `body`.
std::string SignUpHead(const std::string& body, const std::string& extra_headers = "") {
  return "POST /api/auth/sign-up/email HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
}

// A complete, valid sign-up request: what an attacker hides in a body.
std::string SmuggledSignUp(const std::string& email) {
  const std::string body = SignUpBody(email);
  return SignUpHead(body) + body;
}

std::string Chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

struct Carrier {
  const char* name;
  // The head (request line and headers) and the body that carry `smuggled`.
  std::function<std::pair<std::string, std::string>(const std::string& smuggled)> build;
  int status;   // the answer to the carrier
  bool closes;  // the server closes the connection after it
};

// "METHOD PATH" with `headers` and a Content-Length body of exactly `smuggled`.
Carrier WithLength(const char* name, const std::string& method_path, const std::string& headers,
                   int status, bool closes) {
  return {name,
          [=](const std::string& smuggled) {
            return std::make_pair(method_path + " HTTP/1.1\r\nHost: localhost\r\n" + headers +
                                      "Content-Length: " + std::to_string(smuggled.size()) +
                                      "\r\n\r\n",
                                  smuggled);
          },
          status, closes};
}

// "POST PATH" with a chunked body whose chunks are `chunks(smuggled)`.
Carrier Chunked(const char* name, const std::string& path, const std::string& headers,
                std::function<std::string(const std::string&)> chunks, int status, bool closes) {
  return {name,
          [=](const std::string& smuggled) {
            return std::make_pair("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + headers +
                                      "Transfer-Encoding: chunked\r\n\r\n",
                                  chunks(smuggled));
          },
          status, closes};
}

std::vector<Carrier> Carriers() {
  const std::string json_type = "Content-Type: application/json\r\n";
  const std::string big(66000, 'x');
  return {
      WithLength("POST to an unknown path", "POST /api/auth/nope", json_type, 404, false),
      WithLength("a wrong method (PUT /token)", "PUT /api/auth/token", "", 404, false),
      WithLength("a wrong method (DELETE /sign-up/email)", "DELETE /api/auth/sign-up/email",
                 json_type, 404, false),
      WithLength("GET /token with a body", "GET /api/auth/token", "", 401, true),
      WithLength("GET to an unknown path with a body", "GET /api/auth/nope", "", 404, true),
      WithLength("HEAD with a body", "HEAD /api/auth/jwks", "", 404, true),
      WithLength("OPTIONS with a body", "OPTIONS /api/auth/jwks", "", 404, true),
      WithLength("PROPFIND (a method the library refuses to parse)", "PROPFIND /api/auth/jwks",
                 "", 400, true),
      WithLength("gzip (Content-Encoding) to sign-up", "POST /api/auth/sign-up/email",
                 json_type + "Content-Encoding: gzip\r\n", 400, false),
      WithLength("gzip to an unknown path", "POST /api/auth/nope",
                 "Content-Encoding: gzip\r\n", 404, false),
      WithLength("multipart to sign-up", "POST /api/auth/sign-up/email",
                 "Content-Type: multipart/form-data; boundary=x\r\n", 415, true),
      WithLength("multipart to an unknown path", "POST /api/auth/nope",
                 "Content-Type: multipart/form-data; boundary=x\r\n", 404, false),
      WithLength("text/plain to sign-out (refused after the read)", "POST /api/auth/sign-out",
                 "Content-Type: text/plain\r\n", 415, false),
      WithLength("Content-Length and Transfer-Encoding both", "POST /api/auth/sign-out",
                 "Transfer-Encoding: chunked\r\n", 400, true),
      WithLength("two Content-Length headers", "POST /api/auth/sign-out",
                 "Content-Length: 2\r\n", 400, true),
      WithLength("an unparsable Range header", "GET /api/auth/jwks", "Range: bytes=z\r\n", 416,
                 true),
      {"over 64 KiB (Content-Length)",
       [](const std::string& smuggled) {
         return std::make_pair(
             std::string("POST /api/auth/sign-in/email HTTP/1.1\r\nHost: localhost\r\n"
                         "Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n"),
             smuggled);
       },
       413, true},
      Chunked("chunked to sign-in, the request inside the chunk", "/api/auth/sign-in/email",
              json_type, [](const std::string& s) { return Chunk(s) + "0\r\n\r\n"; }, 400, false),
      Chunked("chunked over 64 KiB, the request past the bound", "/api/auth/sign-in/email",
              json_type, [big](const std::string& s) { return Chunk(big + s) + "0\r\n\r\n"; },
              413, true),
      Chunked("chunked with a negative size", "/api/auth/sign-in/email", json_type,
              [big](const std::string& s) { return "-2\r\n" + big + s; }, 413, true),
      Chunked("chunked with a malformed size", "/api/auth/sign-in/email", json_type,
              [](const std::string& s) { return "zz\r\n" + s; }, 400, true),
      Chunked("chunked to an unknown path", "/api/auth/nope", "",
              [](const std::string& s) { return Chunk(s) + "0\r\n\r\n"; }, 404, true),
      Chunked("Transfer-Encoding other than chunked", "/api/auth/sign-out",
              "Transfer-Encoding: gzip\r\n", [](const std::string& s) { return s; }, 400, true),
      Chunked("Expect: 100-continue to an unknown path, body sent anyway", "/api/auth/nope",
              "Expect: 100-continue\r\n",
              [](const std::string& s) { return Chunk(s) + "0\r\n\r\n"; }, 404, true),
  };
}

bool UserExists(TestServer& srv, const std::string& email) {
  auto found = srv.store().FindCredentialUser(email);
  REQUIRE(found.ok());
  return found->has_value();
}

// Sends the carrier (its body `late` or in the same write as the head), reads its answer, and
// checks that nothing but the probe runs after it on the same connection.
void CheckNotSmuggled(TestServer& srv, const Carrier& carrier, bool late, int n) {
  const std::string email = "smuggled" + std::to_string(n) + (late ? "l" : "e") + "@example.com";
  const auto [head, body] = carrier.build(SmuggledSignUp(email));
  WireConnection conn(srv.port());
  if (late) {
    REQUIRE(conn.Send(head));
    usleep(150000);  // the server has the head alone; the body waits in the kernel
    (void)conn.Send(body);  // may fail: a refusal can close before the body is sent
  } else {
    (void)conn.Send(head + body);
  }
  auto answer = conn.ReadResponse();
  REQUIRE(answer);
  CHECK(answer->status == carrier.status);
  std::string extra;
  if (carrier.closes) {
    CHECK(conn.ClosedByServer(3000, &extra));
    CHECK(extra.empty());
  } else {
    usleep(150000);  // time for a smuggled request to run, were there one
    REQUIRE(conn.Send(kProbe));
    auto next = conn.ReadResponse();  // the probe's answer, not a smuggled sign-up's
    REQUIRE(next);
    CHECK(next->body == R"({"ok":true})");
    CHECK(conn.ClosedByServer(3000, &extra));
    CHECK(extra.empty());
  }
  CHECK_FALSE(UserExists(srv, email));
}

}  // namespace

TEST_SUITE("http edge") {
  TEST_CASE("a body the server refuses or ignores never runs as a next request") {
    TestServer srv;
    int n = 0;
    for (const Carrier& carrier : Carriers()) {
      for (bool late : {true, false}) {
        CAPTURE(carrier.name);
        CAPTURE(late);
        CheckNotSmuggled(srv, carrier, late, n++);
      }
    }
    auto ok = srv.client().Get("/api/auth/ok");
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }

  TEST_CASE("the check above sees a sign-up that does run as a next request") {
    TestServer srv;
    WireConnection conn(srv.port());
    REQUIRE(conn.Send("GET /api/auth/ok HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    REQUIRE(conn.ReadResponse());
    REQUIRE(conn.Send(SmuggledSignUp("pipelined@example.com")));
    auto signup = conn.ReadResponse();
    REQUIRE(signup);
    CHECK(signup->status == 200);
    CHECK(UserExists(srv, "pipelined@example.com"));
  }

  TEST_CASE("a chunked body is read as Better Auth reads it, and the connection stays open") {
    TestServer srv;
    WireConnection conn(srv.port());
    const std::string body = SignUpBody("chunked@example.com");
    REQUIRE(conn.Send("POST /api/auth/sign-up/email HTTP/1.1\r\nHost: localhost\r\n"
                      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                      Chunk(body.substr(0, 10)) + Chunk(body.substr(10)) + "0\r\n\r\n"));
    auto signup = conn.ReadResponse();
    REQUIRE(signup);
    CHECK(signup->status == 200);
    CHECK(json::parse(signup->body)["user"]["email"] == "chunked@example.com");
    CHECK(UserExists(srv, "chunked@example.com"));
    REQUIRE(conn.Send(kProbe));
    auto ok = conn.ReadResponse();
    REQUIRE(ok);
    CHECK(ok->body == R"({"ok":true})");
  }

  TEST_CASE("Content-Encoding is ignored, as in Better Auth: the bytes are read as sent") {
    TestServer srv;
    // Plain JSON labelled br: Better Auth 1.7.25 signs up (measured).
    const std::string body = SignUpBody("labelled@example.com");
    auto signup = RoundTrip(srv.port(), SignUpHead(body, "Content-Encoding: br\r\n") + body);
    REQUIRE(signup);
    CHECK(signup->status == 200);
    // Real gzip (of a sign-in body) is not JSON: 400, as Better Auth answers; nothing inflates it.
    const std::string gzip(
        "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\x4a\xcd\x4d\xcc\xcc\x51\xb2\x52"
        "\x4a\x74\x48\xad\x48\xcc\x2d\xc8\x49\xd5\x4b\xce\xcf\x55\xd2\x51\x2a\x48\x2c\x2e"
        "\x2e\xcf\x2f\x4a\x01\x4a\xc1\x98\x86\x46\xc6\x4a\xb5\x00\x9b\x59\x9b\x38\x32\x00"
        "\x00\x00",
        62);
    WireConnection compressed(srv.port());
    REQUIRE(compressed.Send("POST /api/auth/sign-in/email HTTP/1.1\r\nHost: localhost\r\n"
                            "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                            "Content-Length: 62\r\n\r\n" + gzip));
    auto refused = compressed.ReadResponse();
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(refused->body == R"({"message":"Invalid JSON in request body","code":"BAD_REQUEST"})");
  }

  TEST_CASE("framing Node refuses gets Node's empty 400, and the connection closes") {
    TestServer srv;
    for (const char* length : {"-1", "+5", "0x10", "99999999999999999999999", "5, 5"}) {
      CAPTURE(length);
      WireConnection conn(srv.port());
      REQUIRE(conn.Send(std::string("POST /api/auth/sign-in/email HTTP/1.1\r\nHost: localhost\r\n"
                                    "Content-Length: ") + length + "\r\n\r\n{}"));
      auto res = conn.ReadResponse();
      REQUIRE(res);
      CHECK(res->status == 400);
      CHECK(res->body.empty());
      std::string extra;
      CHECK(conn.ClosedByServer(3000, &extra));
    }
  }

  TEST_CASE("an oversized body gets 413 at once and unread, with Expect instead of 100 Continue") {
    TestServer srv;
    for (const char* expect : {"", "Expect: 100-continue\r\n"}) {
      CAPTURE(expect);
      auto res = RoundTrip(srv.port(), std::string("POST /api/auth/sign-up/email HTTP/1.1\r\n"
                                                   "Host: localhost\r\nContent-Type: application/json\r\n"
                                                   "Content-Length: 1000000000\r\n") +
                                           expect + "\r\n{");
      REQUIRE(res);
      CHECK(res->status == 413);
      CHECK(res->body == R"({"message":"Request body too large","code":"PAYLOAD_TOO_LARGE"})");
      CHECK(res->Header("connection") == "close");
    }
  }

  TEST_CASE("Expect: 100-continue for a body the server reads gets 100 Continue, then the answer") {
    TestServer srv;
    WireConnection ok(srv.port());
    const std::string body = SignUpBody("expect@example.com");
    REQUIRE(ok.Send(SignUpHead(body, "Expect: 100-continue\r\n")));
    auto proceed = ok.ReadResponse();
    REQUIRE(proceed);
    CHECK(proceed->status == 100);
    REQUIRE(ok.Send(body));
    auto signup = ok.ReadResponse();
    REQUIRE(signup);
    CHECK(signup->status == 200);
  }

  TEST_CASE("a bare POST /sign-out (no body, no content type) answers at once, as Better Auth") {
    TestServer srv;
    auto c = srv.client();
    auto signup = c.Post("/api/auth/sign-up/email", SignUpBody("bare@example.com"),
                         "application/json");
    REQUIRE(signup);
    const std::string bearer = signup->get_header_value("set-auth-token");
    REQUIRE(!bearer.empty());
    for (const std::string& auth : {std::string(), "Authorization: Bearer " + bearer + "\r\n"}) {
      WireConnection conn(srv.port());
      REQUIRE(conn.Send("POST /api/auth/sign-out HTTP/1.1\r\nHost: localhost\r\n" + auth + "\r\n"));
      auto res = conn.ReadResponse(1000);  // not after a read timeout
      REQUIRE(res);
      CHECK(res->status == 200);
      CHECK(res->body == R"({"success":true})");
      CHECK(res->headers.count("set-cookie") == 3);
    }
    auto session = srv.store().FindSessionWithUser(bearer.substr(0, bearer.find('.')));
    REQUIRE(session.ok());
    CHECK_FALSE(session->has_value());  // signed out
  }

  TEST_CASE("replies are neither compressed nor cut into ranges, as in Better Auth") {
    TestServer srv;
    auto c = srv.client();
    auto whole = c.Get("/api/auth/jwks");
    REQUIRE(whole);
    auto res = RoundTrip(srv.port(), "GET /api/auth/jwks HTTP/1.1\r\nHost: localhost\r\n"
                                     "Accept-Encoding: gzip, br\r\nRange: bytes=0-3\r\n\r\n");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->headers.count("content-encoding") == 0);
    CHECK(res->body == whole->body);
  }
}

}  // namespace issuer::testing
