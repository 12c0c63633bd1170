// The real build/ba-issuer at the HTTP edge: a port in use, SIGTERM with connections open, and
// what its log may never show.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "storage/repository.h"
#include "tests/support/child_process.h"
#include "tests/support/wire.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

const std::string kBin = BA_ISSUER_BIN;
const std::string kBaseUrl = "http://127.0.0.1:1";  // a base URL keeps stderr free of warnings

std::vector<std::string> ServerArgs(const std::string& port, const std::string& db) {
  return {kBin, "--port", port, "--db", db, "--base-url", kBaseUrl};
}

std::string FirstKid(httplib::Client& c) {
  auto jwks = c.Get("/api/auth/jwks");
  REQUIRE(jwks);
  REQUIRE(jwks->status == 200);
  return json::parse(jwks->body)["keys"][0]["kid"];
}

bool CanConnect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return connected;
}

std::string SignUpJson(const std::string& email, const std::string& password) {
  return json{{"name", "Log"}, {"email", email}, {"password", password}}.dump();
}

// The value of the cookie `name` among the Set-Cookie headers, as sent (percent-encoded).
std::string CookieValue(const httplib::Result& res, const std::string& name) {
  for (size_t i = 0; i < res->get_header_value_count("Set-Cookie"); ++i) {
    const std::string c = res->get_header_value("Set-Cookie", i);
    if (c.rfind(name + "=", 0) == 0) return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The secrets a session hands out: its token, the signed cookie value (as sent and decoded)
// and the bearer token, appended to `out`.
void CollectSession(const httplib::Result& res, std::vector<std::string>* out) {
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string cookie = CookieValue(res, "better-auth.session_token");
  out->push_back(json::parse(res->body)["token"]);
  out->push_back(cookie);
  out->push_back(httplib::detail::decode_url(cookie, false));
  out->push_back(res->get_header_value("set-auth-token"));
}

}  // namespace

TEST_SUITE("edge binary") {
  TEST_CASE("a second instance on a port in use exits 2 naming the address, and the first keeps "
            "all the traffic") {
    const std::string secret = "BETTER_AUTH_SECRET=edge-binary-secret-0123456789abcdefgh";
    Child first(ServerArgs("0", ":memory:"), {secret});
    const int port = PortOf(first.ReadLine());
    httplib::Client c("127.0.0.1", port);
    const std::string kid = FirstKid(c);
    Child second(ServerArgs(std::to_string(port), ":memory:"), {secret});
    const std::string err = second.ReadAllStderr();
    CHECK(second.Wait() == 2);
    CHECK(err == "ba-issuer: cannot bind 127.0.0.1:" + std::to_string(port) +
                     ": Address already in use (in use by another server? --port 0 picks a free "
                     "port)\n");
    CHECK(second.ReadLine(100).empty());  // no ready line
    for (int i = 0; i < 50; ++i) {  // fresh connections: the kernel would split them between two
      httplib::Client fresh("127.0.0.1", port);
      CHECK(FirstKid(fresh) == kid);
    }
  }

  TEST_CASE("SIGTERM stops accepting, closes idle connections at once, answers the request in "
            "flight, and exits 0") {
    Child child(ServerArgs("0", ":memory:"), {"BETTER_AUTH_SECRET=sigterm-test-secret-0123456789ab"});
    const int port = PortOf(child.ReadLine());
    WireConnection idle(port);
    REQUIRE(idle.Send("GET /api/auth/ok HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    REQUIRE(idle.ReadResponse());
    WireConnection slow(port);
    REQUIRE(slow.Send("GET /api/auth/ok HTTP/1.1\r\nX-Slow: "));  // headers never finished
    WireConnection in_flight(port);
    const std::string body = SignUpJson("sigterm@example.com", "password123");
    REQUIRE(in_flight.Send("POST /api/auth/sign-up/email HTTP/1.1\r\nHost: localhost\r\n"
                           "Content-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n"));
    usleep(200000);
    child.Signal(SIGTERM);
    usleep(300000);
    CHECK_FALSE(CanConnect(port));
    std::string extra;
    CHECK(idle.ClosedByServer(1000, &extra));
    CHECK(slow.ClosedByServer(1000, &extra));
    REQUIRE(in_flight.Send(body));  // the rest of the request, after the signal
    auto signup = in_flight.ReadResponse();
    REQUIRE(signup);
    CHECK(signup->status == 200);
    CHECK(child.Wait(5000) == 0);
  }

  TEST_CASE("SIGTERM with a request that never completes still exits 0, within the drain bound") {
    Child child(ServerArgs("0", ":memory:"), {"BETTER_AUTH_SECRET=sigterm-test-secret-0123456789ab"});
    const int port = PortOf(child.ReadLine());
    WireConnection stuck(port);
    REQUIRE(stuck.Send("POST /api/auth/sign-up/email HTTP/1.1\r\nHost: localhost\r\n"
                       "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"));
    usleep(200000);
    const auto start = std::chrono::steady_clock::now();
    child.Signal(SIGTERM);
    CHECK(child.Wait(15000) == 0);
    // kDrain (5 s) or the read timeout (5 s), whichever ends the request first, plus slack.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(9));
  }

  TEST_CASE("no secret, password, hash, session token, cookie or JWT appears in the log, and the "
            "JWKS has no private member") {
    // The logger has one level, and everything it writes is here: the stderr of a whole session.
    const std::string secret = "log-check-secret-6c1f0a9e4b7d2385f0e1a9c4";
    const std::string password = "log-check-password-91ab";
    const std::string db = TempDb("log-check");
    const std::string log_path = db + ".log";
    std::vector<std::string> secrets = {secret, password};
    std::string output;
    {
      Child child(ServerArgs("0", db), {"BETTER_AUTH_SECRET=" + secret}, log_path);
      output = child.ReadLine();
      httplib::Client c("127.0.0.1", PortOf(output));
      auto signup = c.Post("/api/auth/sign-up/email", SignUpJson("log@example.com", password),
                           "application/json");
      CollectSession(signup, &secrets);
      const std::string creds = json{{"email", "log@example.com"}, {"password", password}}.dump();
      auto signin = c.Post("/api/auth/sign-in/email", creds, "application/json");
      CollectSession(signin, &secrets);
      for (const char* wrong : {"wrong-password-1", "wrong-password-2"}) {
        const std::string bad = json{{"email", "log@example.com"}, {"password", wrong}}.dump();
        CHECK(c.Post("/api/auth/sign-in/email", bad, "application/json")->status == 401);
        secrets.push_back(wrong);
      }
      const httplib::Headers cookie = {
          {"Cookie", "better-auth.session_token=" + CookieValue(signin, "better-auth.session_token")}};
      auto token = c.Get("/api/auth/token", cookie);
      REQUIRE(token);
      secrets.push_back(json::parse(token->body)["token"]);
      auto session = c.Get("/api/auth/get-session", cookie);
      REQUIRE(session);
      secrets.push_back(session->get_header_value("set-auth-jwt"));
      const httplib::Headers bearer = {
          {"Authorization", "Bearer " + signup->get_header_value("set-auth-token")}};
      auto bearer_token = c.Get("/api/auth/token", bearer);
      REQUIRE(bearer_token);
      secrets.push_back(json::parse(bearer_token->body)["token"]);
      CHECK(c.Post("/api/auth/sign-out", bearer, "", "")->status == 200);
      CHECK(c.Get("/api/auth/token", bearer)->status == 401);
      auto jwks = c.Get("/api/auth/jwks");
      REQUIRE(jwks);
      const json published = json::parse(jwks->body);
      for (const json& key : published["keys"]) {
        for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "k", "oth", "priv"}) {
          CHECK_FALSE(key.contains(member));
        }
      }
      child.Signal(SIGTERM);
      REQUIRE(child.Wait() == 0);
      output += child.ReadAllStdout(500);
    }
    auto repo = storage::OpenRepository(db, storage::OpenMode::kReadOnly);
    REQUIRE(repo.ok());
    auto user = (*repo)->FindCredentialUser("log@example.com");
    REQUIRE(user.ok());
    secrets.push_back(*(*user)->password);  // the scrypt hash
    auto keys = (*repo)->ListJwks();
    REQUIRE(keys.ok());
    for (const storage::JwkRow& row : *keys) secrets.push_back(row.private_key);
    const std::string log = output + ReadFile(log_path);  // stdout and stderr
    CHECK(log.find("info request method=POST route=/api/auth/sign-in/email status=401") !=
          std::string::npos);
    for (const std::string& s : secrets) {
      REQUIRE(s.size() >= 16);
      CHECK_MESSAGE(log.find(s) == std::string::npos, "in the log: " << s);
    }
    std::remove(log_path.c_str());
  }
}

}  // namespace issuer::testing
