// The service's one clock: moving it moves every component at once.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "keys/encoding.h"
#include "tests/support/test_server.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

constexpr int64_t kDayMs = 86400000;

json Claims(const std::string& jwt) {
  const size_t dot1 = jwt.find('.');
  const size_t dot2 = jwt.find('.', dot1 + 1);
  return json::parse(*keys::Base64UrlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)));
}

}  // namespace

TEST_SUITE("clock") {
  TEST_CASE("advancing the shared clock moves iat, session expiry and the logger together") {
    TestServer srv;
    auto c = srv.client();
    auto signup = c.Post("/api/auth/sign-up/email", R"({"name":"A","email":"clock@example.com",)"
                                                    R"("password":"password123"})",
                         "application/json");
    REQUIRE(signup);
    REQUIRE(signup->status == 200);
    const std::string token = json::parse(signup->body)["token"];
    const httplib::Headers auth = {{"Authorization", "Bearer " + token}};

    auto first = c.Get("/api/auth/token", auth);
    REQUIRE(first);
    REQUIRE(first->status == 200);
    const int64_t iat0 = Claims(json::parse(first->body)["token"])["iat"];
    CHECK(iat0 == kTestEpochMs / 1000);

    // One hour later the token's iat follows, and the session row is as it was.
    srv.clock().Advance(3600 * 1000);
    auto second = c.Get("/api/auth/token", auth);
    REQUIRE(second);
    REQUIRE(second->status == 200);
    CHECK(Claims(json::parse(second->body)["token"])["iat"] == iat0 + 3600);

    // Past updateAge (1 day) get-session refreshes the expiry from the moved clock.
    srv.clock().Advance(kDayMs);
    auto session = c.Get("/api/auth/get-session", auth);
    REQUIRE(session);
    REQUIRE(session->status == 200);
    auto row = srv.store().FindSessionWithUser(token);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    CHECK((*row)->session.expires_at_ms == srv.clock().NowMs() + 7 * kDayMs);
    CHECK((*row)->session.updated_at_ms == srv.clock().NowMs());

    // Set past the expiry: the session is gone, for /token too.
    srv.clock().Set(srv.clock().NowMs() + 7 * kDayMs + 1);
    auto expired = c.Get("/api/auth/token", auth);
    REQUIRE(expired);
    CHECK(expired->status == 401);
    auto gone = srv.store().FindSessionWithUser(token);
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
  }
}

}  // namespace issuer::testing
