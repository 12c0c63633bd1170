#include "tests/unit/server/parts_helpers.h"

namespace issuer::server {

using namespace test;

TEST_SUITE("url") {
  TEST_CASE("ParseUrl splits absolute URLs") {
    auto u = ParseUrl("HTTP://User:pw@LocalHost:3000/api/auth?x=1#frag");
    REQUIRE(u);
    CHECK(u->scheme == "http");
    CHECK(u->host == "localhost");
    CHECK(u->port == "3000");
    CHECK(u->path == "/api/auth");
    CHECK(u->Origin() == "http://localhost:3000");
    CHECK(ParseUrl("https://example.com")->path == "");
    CHECK(ParseUrl("https://example.com?q")->path == "");
  }

  TEST_CASE("ParseUrl drops default ports and folds case") {
    CHECK(OriginOf("http://Example.COM:80/x") == "http://example.com");
    CHECK(OriginOf("https://example.com:443") == "https://example.com");
    CHECK(OriginOf("https://example.com:80") == "https://example.com:80");
    CHECK(OriginOf("http://example.com:443") == "http://example.com:443");
    CHECK(OriginOf("HTTPS://EXAMPLE.com:8443/") == "https://example.com:8443");
  }

  TEST_CASE("ParseUrl handles IPv6 literals") {
    auto u = ParseUrl("http://[::1]:3000/x");
    REQUIRE(u);
    CHECK(u->host == "[::1]");
    CHECK(u->port == "3000");
    CHECK(OriginOf("http://[::1]") == "http://[::1]");
    CHECK(OriginOf("https://[2001:DB8::1]:443/") == "https://[2001:db8::1]");
  }

  TEST_CASE("ParseUrl rejects garbage") {
    for (const char* bad : {"", "not a url", "http://", "://example.com", "http://exa mple.com",
                            "http://host:99999", "http://host:abc", "http://host:", "http://[::1",
                            "http://[::1]x", "http://[zz]", "javascript:alert(1)", "/relative",
                            "example.com", "ht tp://example.com", "http://a<b>.com"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseUrl(bad).has_value());
    }
  }

  TEST_CASE("ParseUrl treats a backslash as a path separator, as WHATWG URL does") {
    // new URL("https://evil.example\\@good.example").origin === "https://evil.example":
    // for special schemes '\' ends the authority. Reading the host after '@' instead would
    // make TrustedOrigins trust a URL that browsers open on evil.example.
    CHECK(OriginOf("https://evil.example\\@good.example") == "https://evil.example");
    CHECK(OriginOf("https://good.example\\path") == "https://good.example");
  }

  TEST_CASE("OriginFromHost") {
    CHECK(OriginFromHost("localhost:3000", false) == std::optional<std::string>(kBase));
    CHECK(OriginFromHost("Example.COM:80", false) == std::optional<std::string>("http://example.com"));
    CHECK(OriginFromHost("example.com:443", true) == std::optional<std::string>("https://example.com"));
    CHECK(OriginFromHost("example.com:443", false) ==
          std::optional<std::string>("http://example.com:443"));
    CHECK(OriginFromHost("127.0.0.1:3222", false) ==
          std::optional<std::string>("http://127.0.0.1:3222"));
    CHECK(OriginFromHost("[::1]:8080", false) == std::optional<std::string>("http://[::1]:8080"));
    for (const char* bad : {"", "exa mple.com", "host:port", "host/evil", "a@b", "host:99999",
                            "[::1", "evil.com:80:80", "host:"}) {
      CAPTURE(bad);
      CHECK_FALSE(OriginFromHost(bad, false).has_value());
    }
  }
}

}  // namespace issuer::server
