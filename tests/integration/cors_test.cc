// CORS through the real binary: a frontend on another port signs in with credentials; an
// untrusted origin gets no CORS header and no preflight.
#include <doctest/doctest.h>

#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

constexpr char kFrontend[] = "http://localhost:5173";

std::string Header(const httplib::Result& res, const std::string& name) {
  REQUIRE(res);
  return res->get_header_value(name);
}

}  // namespace

TEST_SUITE("cors") {
  TEST_CASE("a trusted frontend on another port: preflight, sign-up, session and token") {
    IssuerServer srv({"--db", ":memory:", "--base-url", "http://localhost:3000"},
                     {kIssuerSecret, std::string("BETTER_AUTH_TRUSTED_ORIGINS=") + kFrontend});
    auto preflight = srv.client().Options(
        "/api/auth/sign-up/email", {{"Origin", kFrontend},
                                    {"Access-Control-Request-Method", "POST"},
                                    {"Access-Control-Request-Headers", "content-type"}});
    REQUIRE(preflight);
    CHECK(preflight->status == 204);
    CHECK(Header(preflight, "Access-Control-Allow-Origin") == kFrontend);
    CHECK(Header(preflight, "Access-Control-Allow-Credentials") == "true");
    CHECK(Header(preflight, "Access-Control-Allow-Methods") == "POST");
    CHECK(Header(preflight, "Access-Control-Allow-Headers") == "content-type");

    const json body = {{"name", "F"}, {"email", "front@example.com"}, {"password", "password123"}};
    auto signup = srv.client().Post("/api/auth/sign-up/email", {{"Origin", kFrontend}},
                                    body.dump(), "application/json");
    REQUIRE(signup);
    CHECK(signup->status == 200);
    CHECK(Header(signup, "Access-Control-Allow-Origin") == kFrontend);
    CHECK(Header(signup, "Access-Control-Allow-Credentials") == "true");
    CHECK(Header(signup, "Access-Control-Expose-Headers").find("set-auth-token") !=
          std::string::npos);
    CHECK(Header(signup, "Vary") == "Origin");
    const std::string cookie = Header(signup, "Set-Cookie");
    REQUIRE_FALSE(cookie.empty());

    const httplib::Headers with_cookie = {{"Origin", kFrontend},
                                          {"Cookie", cookie.substr(0, cookie.find(';'))}};
    auto session = srv.client().Get("/api/auth/get-session", with_cookie);
    CHECK(Header(session, "Access-Control-Allow-Origin") == kFrontend);
    CHECK(Header(session, "Access-Control-Expose-Headers") == "set-auth-jwt, set-auth-token");
    CHECK_FALSE(Header(session, "set-auth-jwt").empty());
    auto token = srv.client().Get("/api/auth/token", with_cookie);
    CHECK(token->status == 200);
    CHECK(Header(token, "Access-Control-Allow-Origin") == kFrontend);
    // Never "*" with credentials, anywhere.
    for (const auto* res : {&preflight, &signup, &session, &token}) {
      CHECK(Header(*res, "Access-Control-Allow-Origin") != "*");
    }
  }

  TEST_CASE("an untrusted origin gets no CORS header and no preflight, none without Origin") {
    IssuerServer srv({"--db", ":memory:", "--base-url", "http://localhost:3000"},
                     {kIssuerSecret, std::string("BETTER_AUTH_TRUSTED_ORIGINS=") + kFrontend});
    auto preflight = srv.client().Options(
        "/api/auth/token", {{"Origin", "http://evil.example"},
                            {"Access-Control-Request-Method", "GET"}});
    REQUIRE(preflight);
    CHECK(preflight->status == 404);
    CHECK_FALSE(preflight->has_header("Access-Control-Allow-Origin"));
    auto jwks = srv.client().Get("/api/auth/jwks", {{"Origin", "http://evil.example"}});
    CHECK(jwks->status == 200);
    CHECK_FALSE(jwks->has_header("Access-Control-Allow-Origin"));
    CHECK_FALSE(jwks->has_header("Access-Control-Allow-Credentials"));
    CHECK(Header(jwks, "Vary") == "Origin");
    auto plain = srv.client().Get("/api/auth/jwks");
    CHECK_FALSE(plain->has_header("Access-Control-Allow-Origin"));
    // An OPTIONS on a path that does not exist is 404, as before.
    auto unknown = srv.client().Options("/api/auth/nope", {{"Origin", kFrontend}});
    CHECK(unknown->status == 404);
  }
}

}  // namespace issuer::testing
