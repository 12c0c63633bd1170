#include "tests/unit/server/parts_helpers.h"

namespace issuer::server {

using namespace test;

TEST_SUITE("origin_check") {
  TEST_CASE("TrustedOrigins: the base origin and exact patterns") {
    const TrustedOrigins trusted({"https://app.example.com", "http://localhost:5173/some/path"});
    CHECK(trusted.IsTrusted("http://localhost:3000/anything", kBase));
    CHECK(trusted.IsTrusted("https://app.example.com", kBase));
    CHECK(trusted.IsTrusted("https://APP.example.com:443/dashboard", kBase));
    CHECK(trusted.IsTrusted("http://localhost:5173", kBase));
    CHECK_FALSE(trusted.IsTrusted("http://app.example.com", kBase));
    CHECK_FALSE(trusted.IsTrusted("https://app.example.com:8443", kBase));
    CHECK_FALSE(trusted.IsTrusted("https://evil.example", kBase));
    CHECK_FALSE(trusted.IsTrusted("https://app.example.com.evil.example", kBase));
    CHECK_FALSE(trusted.IsTrusted("http://localhost:3001", kBase));
    CHECK_FALSE(trusted.IsTrusted("null", kBase));
    CHECK_FALSE(trusted.IsTrusted("", kBase));
  }

  TEST_CASE("TrustedOrigins: wildcard host and scheme patterns") {
    const TrustedOrigins trusted({"*.example.com", "https://*.x.io"});
    CHECK(trusted.IsTrusted("https://a.example.com", kBase));
    CHECK(trusted.IsTrusted("http://b.c.example.com:8080/path", kBase));
    CHECK_FALSE(trusted.IsTrusted("https://example.com.evil.io", kBase));
    CHECK_FALSE(trusted.IsTrusted("https://evilexample.com", kBase));
    CHECK(trusted.IsTrusted("https://a.x.io", kBase));
    CHECK_FALSE(trusted.IsTrusted("http://a.x.io", kBase));
    CHECK_FALSE(trusted.IsTrusted("https://a.x.io.evil.com", kBase));
    CHECK_FALSE(trusted.IsTrusted("https://a.x.io:8443", kBase));
  }

  TEST_CASE("TrustedOrigins: relative callback paths") {
    const TrustedOrigins trusted({});
    CHECK(trusted.IsTrusted("/dashboard", kBase, true));
    CHECK(trusted.IsTrusted("/dashboard?tab=1#x", kBase, true));
    CHECK(trusted.IsTrusted("/", kBase, true));
    CHECK_FALSE(trusted.IsTrusted("/dashboard", kBase, false));
    CHECK_FALSE(trusted.IsTrusted("//evil.com", kBase, true));
    CHECK_FALSE(trusted.IsTrusted("//evil.com/path", kBase, true));
    CHECK_FALSE(trusted.IsTrusted("/\\evil.com", kBase, true));
    CHECK_FALSE(trusted.IsTrusted("/ok\\..\\x", kBase, true));
    CHECK_FALSE(trusted.IsTrusted("/a b", kBase, true));
    CHECK_FALSE(trusted.IsTrusted("dashboard", kBase, true));
    CHECK_FALSE(trusted.IsTrusted("https://evil.com/dashboard", kBase, true));
    CHECK(trusted.IsTrusted("http://localhost:3000/dashboard", kBase, true));
  }

  TEST_CASE("TrustedOrigins: a backslash cannot smuggle a trusted host") {
    const TrustedOrigins trusted({});
    CHECK_FALSE(trusted.IsTrusted("http://evil.example\\@localhost:3000/", kBase, true));
  }

  TEST_CASE("CheckCookieOrigin: requests with cookies (compat §5)") {
    const Headers cookie = {{"cookie", "better-auth.session_token=t"}};
    auto with = [&cookie](Headers extra) {
      Headers all = cookie;
      all.insert(all.end(), extra.begin(), extra.end());
      return all;
    };
    CHECK(CookieVerdict(Request("GET", with({{"origin", "https://evil.com"}}))) == std::nullopt);
    CHECK(CookieVerdict(Request("HEAD", with({{"origin", "https://evil.com"}}))) == std::nullopt);
    CHECK(CookieVerdict(Request("OPTIONS", with({}))) == std::nullopt);
    CHECK(CookieVerdict(Request("POST", cookie)) == ApiCode::kMissingOrNullOrigin);
    CHECK(CookieVerdict(Request("POST", with({{"origin", "null"}}))) ==
          ApiCode::kMissingOrNullOrigin);
    CHECK(CookieVerdict(Request("POST", with({{"origin", ""}}))) == ApiCode::kMissingOrNullOrigin);
    CHECK(CookieVerdict(Request("POST", with({{"origin", "https://evil.com"}}))) ==
          ApiCode::kInvalidOrigin);
    CHECK(CookieVerdict(Request("POST", with({{"origin", kBase}}))) == std::nullopt);
    CHECK(CookieVerdict(Request("DELETE", with({{"origin", "https://evil.com"}}))) ==
          ApiCode::kInvalidOrigin);
    CHECK(CookieVerdict(Request("POST", with({{"referer", "http://localhost:3000/page"}}))) ==
          std::nullopt);
    CHECK(CookieVerdict(Request("POST", with({{"referer", "https://evil.com/page"}}))) ==
          ApiCode::kInvalidOrigin);
    CHECK(CookieVerdict(Request("POST", with({{"origin", "null"},
                                              {"referer", "http://localhost:3000/page"}}))) ==
          std::nullopt);
    CHECK(CookieVerdict(Request("POST", with({{"origin", "https://app.example"}})),
                        {"https://app.example"}) == std::nullopt);
    // An opaque origin the browser calls same-origin passes.
    CHECK(CookieVerdict(Request("POST", with({{"origin", "null"},
                                              {"sec-fetch-site", "same-origin"}}))) ==
          std::nullopt);
  }

  TEST_CASE("CheckCookieOrigin: requests without cookies pass") {
    // A bearer token without a cookie skips the check.
    CHECK(CookieVerdict(Request("POST", {{"authorization", "Bearer t"},
                                         {"origin", "https://evil.com"}})) == std::nullopt);
    CHECK(CookieVerdict(Request("POST", {})) == std::nullopt);
  }

  TEST_CASE("CheckLoginCsrf: sign-in and sign-up without cookies (formCsrfMiddleware)") {
    CHECK(LoginVerdict(Request("POST", {{"sec-fetch-site", "cross-site"},
                                        {"sec-fetch-mode", "navigate"}})) ==
          ApiCode::kCrossSiteNavigationBlocked);
    CHECK(LoginVerdict(Request("POST", {{"sec-fetch-site", "cross-site"},
                                        {"sec-fetch-mode", "navigate"},
                                        {"origin", kBase}})) ==
          ApiCode::kCrossSiteNavigationBlocked);
    CHECK(LoginVerdict(Request("POST", {{"origin", "https://evil.com"}})) ==
          ApiCode::kInvalidOrigin);
    CHECK(LoginVerdict(Request("POST", {{"referer", "https://evil.com/x"}})) ==
          ApiCode::kInvalidOrigin);
    CHECK(LoginVerdict(Request("POST", {{"sec-fetch-site", "same-origin"}})) ==
          ApiCode::kMissingOrNullOrigin);
    CHECK(LoginVerdict(Request("POST", {{"sec-fetch-dest", "empty"}})) ==
          ApiCode::kMissingOrNullOrigin);
    CHECK(LoginVerdict(Request("POST", {{"sec-fetch-site", "cross-site"},
                                        {"sec-fetch-mode", "cors"},
                                        {"origin", "https://evil.com"}})) ==
          ApiCode::kInvalidOrigin);
    CHECK(LoginVerdict(Request("POST", {})) == std::nullopt);  // curl
    CHECK(LoginVerdict(Request("POST", {{"origin", kBase}, {"sec-fetch-site", "same-origin"}})) ==
          std::nullopt);
    CHECK(LoginVerdict(Request("POST", {{"referer", "http://localhost:3000/login"}})) ==
          std::nullopt);
    CHECK(LoginVerdict(Request("POST", {{"origin", "https://app.example"}}),
                       {"https://app.example"}) == std::nullopt);
    // With a cookie, CheckCookieOrigin has already decided.
    CHECK(LoginVerdict(Request("POST", {{"cookie", "a=1"}, {"origin", "https://evil.com"}})) ==
          std::nullopt);
  }

  TEST_CASE("CheckCallbackUrl") {
    const TrustedOrigins trusted({"https://app.example"});
    auto verdict = [&trusted](const char* body) -> std::optional<ApiCode> {
      auto error = CheckCallbackUrl(nlohmann::json::parse(body), trusted, kBase);
      if (!error) return std::nullopt;
      return error->code;
    };
    CHECK(verdict(R"({})") == std::nullopt);
    CHECK(verdict(R"({"callbackURL":null})") == std::nullopt);
    CHECK(verdict(R"({"callbackURL":"/dashboard"})") == std::nullopt);
    CHECK(verdict(R"({"callbackURL":"https://app.example/x"})") == std::nullopt);
    CHECK(verdict(R"({"callbackURL":"https://evil.example/x"})") == ApiCode::kInvalidCallbackUrl);
    CHECK(verdict(R"({"callbackURL":"//evil.example"})") == ApiCode::kInvalidCallbackUrl);
    CHECK(verdict(R"({"callbackURL":5})") == ApiCode::kCallbackUrlNotString);
    CHECK(verdict(R"([1])") == std::nullopt);
  }
}

}  // namespace issuer::server
