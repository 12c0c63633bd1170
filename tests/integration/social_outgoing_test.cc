// server/social/outgoing: the client ba-issuer calls providers with refuses what it must
// (plain http off loopback, other schemes), bounds the answer's size and waits no longer than
// its read timeout.
#include <doctest/doctest.h>

#include <httplib.h>

#include <chrono>
#include <thread>

#include "server/social/outgoing.h"

namespace issuer::server::social {
namespace {

// A local server: /big answers `big_bytes` bytes, /slow answers after two seconds.
class LocalServer {
 public:
  explicit LocalServer(size_t big_bytes) {
    server_.Get("/big", [big_bytes](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(big_bytes, 'x'), "text/plain");
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

OutgoingHttp::Limits DevLimits() {
  OutgoingHttp::Limits limits;
  limits.allow_loopback_http = true;
  limits.max_body_bytes = 1000;
  limits.read_timeout_s = 1;
  return limits;
}

}  // namespace

TEST_SUITE("social") {
  TEST_CASE("outgoing: http only to loopback in development, other schemes never") {
    OutgoingHttp production{OutgoingHttp::Limits{}};
    CHECK(production.Send({"GET", "http://127.0.0.1:9/x", {}, "", ""}).error().code ==
          Errc::kInvalidArgument);
    OutgoingHttp dev{DevLimits()};
    CHECK(dev.Send({"GET", "http://example.com/x", {}, "", ""}).error().code ==
          Errc::kInvalidArgument);
    CHECK(dev.Send({"GET", "ftp://127.0.0.1/x", {}, "", ""}).error().code == Errc::kInvalidArgument);
    CHECK(dev.Send({"GET", "not a url", {}, "", ""}).error().code == Errc::kInvalidArgument);
  }

  TEST_CASE("outgoing: an answer over the bound is refused, one under it is read") {
    LocalServer big(5000);
    LocalServer small(1000);
    OutgoingHttp dev{DevLimits()};
    auto refused = dev.Send({"GET", big.Url("/big"), {}, "", ""});
    REQUIRE(!refused.ok());
    CHECK(refused.error().code == Errc::kUnavailable);
    auto read = dev.Send({"GET", small.Url("/big"), {}, "", ""});
    REQUIRE(read.ok());
    CHECK(read->status == 200);
    CHECK(read->body.size() == 1000);
  }

  TEST_CASE("outgoing: a provider slower than the read timeout is unavailable") {
    LocalServer slow(0);
    OutgoingHttp dev{DevLimits()};
    const auto start = std::chrono::steady_clock::now();
    auto late = dev.Send({"GET", slow.Url("/slow"), {}, "", ""});
    CHECK(!late.ok());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1900));
  }
}

}  // namespace issuer::server::social
