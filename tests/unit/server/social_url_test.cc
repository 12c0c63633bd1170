// server/social/oauth_url: the URL pieces of the OAuth flow, as Better Auth makes them.
#include <doctest/doctest.h>

#include "server/social/oauth_url.h"

namespace issuer::server::social {

TEST_SUITE("social") {
  TEST_CASE("FormEncode is URLSearchParams' serialisation") {
    CHECK(FormEncode({{"scope", "read:user user:email"}, {"x", "*-._~!"}}) ==
          "scope=read%3Auser+user%3Aemail&x=*-._%7E%21");
    CHECK(FormEncode({{"redirect_uri", "http://127.0.0.1:3000/api/auth/callback/github"}}) ==
          "redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fapi%2Fauth%2Fcallback%2Fgithub");
    CHECK(FormEncode({{"name", "\xC3\xA9"}}) == "name=%C3%A9");
  }

  TEST_CASE("AppendQuery is Better Auth's appendQueryParams") {
    CHECK(AppendQuery("http://x.test", {{"error", "no_code"}}) == "http://x.test/?error=no_code");
    CHECK(AppendQuery("/error?a=1#top", {{"error", "e"}}) == "/error?a=1&error=e#top");
    CHECK(AppendQuery("/error?", {{"error", "e"}}) == "/error?error=e");
    CHECK(AppendQuery("https://x.test/cb?a=1&", {{"error", "a b"}}) ==
          "https://x.test/cb?a=1&error=a+b");
    CHECK(AppendQuery("/cb", {}) == "/cb");
  }

  TEST_CASE("CodeChallenge is RFC 7636's S256 (appendix B)") {
    CHECK(CodeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
          "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  }

  TEST_CASE("SplitStoredScopes is parseStoredScopes: comma-separated, trimmed, no empty ones") {
    CHECK(SplitStoredScopes("openid, email,,profile ") ==
          std::vector<std::string>{"openid", "email", "profile"});
    CHECK(SplitStoredScopes("read:user,user:email") ==
          std::vector<std::string>{"read:user", "user:email"});
    CHECK(SplitStoredScopes("").empty());
    CHECK(SplitStoredScopes(" , ").empty());
  }

  TEST_CASE("SplitScopes is parseScopeField over a string") {
    CHECK(SplitScopes("  openid  email\tprofile ") ==
          std::vector<std::string>{"openid", "email", "profile"});
    CHECK(SplitScopes("").empty());
    CHECK(Join({"a", "b"}, ",") == "a,b");
  }
}

}  // namespace issuer::server::social
