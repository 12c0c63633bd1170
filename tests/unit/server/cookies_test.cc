#include "tests/unit/server/parts_helpers.h"

namespace issuer::server {

using namespace test;

TEST_SUITE("cookies") {
  TEST_CASE("FindCookie") {
    const std::string name = "better-auth.session_token";
    CHECK(FindCookie("a=1; better-auth.session_token=abc.def; b=2", name) ==
          std::optional<std::string>("abc.def"));
    SUBCASE("first occurrence wins") {
      CHECK(FindCookie("x=1; x=2", "x") == std::optional<std::string>("1"));
    }
    SUBCASE("whitespace around names and values") {
      CHECK(FindCookie("  x =  v  ;y=2", "x") == std::optional<std::string>("v"));
      CHECK(FindCookie("y=2;\tx=v", "x") == std::optional<std::string>("v"));
    }
    SUBCASE("quoted values") {
      CHECK(FindCookie(R"(x="quoted value")", "x") == std::optional<std::string>("quoted value"));
      CHECK(FindCookie(R"(x=")", "x") == std::optional<std::string>("\""));
    }
    SUBCASE("values may contain '='") {
      CHECK(FindCookie("x=a=b==", "x") == std::optional<std::string>("a=b=="));
      CHECK(FindCookie("x=", "x") == std::optional<std::string>(""));
    }
    SUBCASE("absent") {
      CHECK_FALSE(FindCookie("", "x").has_value());
      CHECK_FALSE(FindCookie("y=1", "x").has_value());
      CHECK_FALSE(FindCookie("xx=1; x", "x").has_value());
      CHECK_FALSE(FindCookie("better-auth.session_token_x=1", name).has_value());
    }
  }

  TEST_CASE("cookie names and Set-Cookie attribute order") {
    CHECK(CookieName("session_token", false) == "better-auth.session_token");
    CHECK(CookieName("session_token", true) == "__Secure-better-auth.session_token");
    CHECK(SetCookieValue("better-auth.session_token", "v", 604800, false) ==
          "better-auth.session_token=v; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax");
    CHECK(SetCookieValue("__Secure-better-auth.session_token", "v", 604800, true) ==
          "__Secure-better-auth.session_token=v; Max-Age=604800; Path=/; HttpOnly; Secure; "
          "SameSite=Lax");
    CHECK(SetCookieValue("better-auth.dont_remember", "x", std::nullopt, false) ==
          "better-auth.dont_remember=x; Path=/; HttpOnly; SameSite=Lax");
    CHECK(SetCookieValue("better-auth.session_token", "", 0, false) ==
          "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
  }
}

}  // namespace issuer::server
