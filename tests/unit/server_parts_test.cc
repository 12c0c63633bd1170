#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/api_error.h"
#include "server/cookies.h"
#include "server/http_types.h"
#include "server/origin_check.h"
#include "server/render.h"
#include "server/request_body.h"
#include "server/url.h"

namespace issuer::server {
namespace {

constexpr int64_t kT0 = 1795499074082;  // 2026-11-24T05:44:34.082Z
constexpr char kBase[] = "http://localhost:3000";

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpRequest Request(std::string method, const Headers& headers, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = "/api/auth/sign-in/email";
  for (const auto& [name, value] : headers) r.headers.emplace(name, value);
  r.body = std::move(body);
  return r;
}

std::optional<ApiCode> CodeOf(const std::optional<ApiError>& error) {
  if (!error) return std::nullopt;
  return error->code;
}

// What the cookie origin check answers (nullopt: the request passes).
std::optional<ApiCode> CookieVerdict(const HttpRequest& request,
                                     const std::vector<std::string>& trusted = {}) {
  return CodeOf(CheckCookieOrigin(request, TrustedOrigins(trusted), kBase));
}

// What sign-in/sign-up's formCsrfMiddleware answers.
std::optional<ApiCode> LoginVerdict(const HttpRequest& request,
                                    const std::vector<std::string>& trusted = {}) {
  return CodeOf(CheckLoginCsrf(request, TrustedOrigins(trusted), kBase));
}

std::string OriginOf(std::string_view url) {
  auto parsed = ParseUrl(url);
  return parsed ? parsed->Origin() : "<invalid>";
}

const Body& BodyOf(const std::variant<Body, ApiError>& parsed) {
  REQUIRE(std::holds_alternative<Body>(parsed));
  return std::get<Body>(parsed);
}

const ApiError& ErrorOf(const std::variant<Body, ApiError>& parsed) {
  REQUIRE(std::holds_alternative<ApiError>(parsed));
  return std::get<ApiError>(parsed);
}

std::variant<Body, ApiError> Parse(const std::string& content_type, const std::string& body,
                                   bool allow_form) {
  return ParseBody(Request("POST", {{"content-type", content_type}}, body), allow_form);
}

const std::vector<FieldSpec>& SignUpFields() {
  static const std::vector<FieldSpec> fields = {{"name", FieldType::kString, true},
                                                {"email", FieldType::kEmail, true},
                                                {"password", FieldType::kString, true},
                                                {"image", FieldType::kString, false},
                                                {"rememberMe", FieldType::kBoolean, false}};
  return fields;
}

// The validation message for `body_json` ("" when valid); "undefined" means no body.
std::string Validate(const std::string& body_json) {
  Body body;
  if (body_json != "undefined") body = nlohmann::json::parse(body_json);
  auto error = ValidateFields(body, SignUpFields());
  if (!error) return "";
  CHECK(error->code == ApiCode::kValidationError);
  return error->message;
}

std::string WireBody(ApiCode code, std::string message = "") {
  return ToWire(ApiError{code, std::move(message)}).body;
}

storage::UserRow Alice() {
  storage::UserRow u;
  u.id = "iiJAZNlZxma243kpegnwGCLHnglid2kQ";
  u.name = "Alice";
  u.email = "alice@example.com";
  u.created_at_ms = kT0;
  u.updated_at_ms = kT0;
  return u;
}

}  // namespace

TEST_SUITE("server_parts") {
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

  TEST_CASE("ParseBody: JSON") {
    const Body plain = BodyOf(Parse("application/json", R"({"email":"a@b.co","n":1})", false));
    REQUIRE(plain);
    CHECK((*plain)["email"] == "a@b.co");
    CHECK((*plain)["n"] == 1);
    const Body charset = BodyOf(Parse("application/json; charset=utf-8", R"({"a":true})", false));
    REQUIRE(charset);
    CHECK((*charset)["a"] == true);
    CHECK(BodyOf(Parse("Application/JSON ; charset=UTF-8", "[1,2]", false)) ==
          Body(nlohmann::json::array({1, 2})));
    CHECK_FALSE(BodyOf(Parse("application/json", "", false)).has_value());
  }

  TEST_CASE("ParseBody: malformed JSON is BAD_REQUEST") {
    for (const char* bad : {"{", "{\"a\":}", "nope", "{\"a\":1} x", "\xff", "[1e400]",
                            "{\"a\":1e400}", "{\"a\":-1e400}"}) {
      CAPTURE(bad);
      CHECK(ErrorOf(Parse("application/json", bad, true)).code == ApiCode::kInvalidJson);
    }
    const WireError wire = ToWire(ErrorOf(Parse("application/json", "{", true)));
    CHECK(wire.status == 400);
    CHECK(wire.body == R"({"message":"Invalid JSON in request body","code":"BAD_REQUEST"})");
  }

  TEST_CASE("ParseBody: form-urlencoded only where allowed") {
    const Body form = BodyOf(Parse("application/x-www-form-urlencoded",
                                   "email=a%40b.co&password=p+w%21&rememberMe=false", true));
    REQUIRE(form);
    CHECK(*form == nlohmann::json{{"email", "a@b.co"}, {"password", "p w!"},
                                  {"rememberMe", "false"}});
    const ApiError refused = ErrorOf(Parse("application/x-www-form-urlencoded", "a=1", false));
    CHECK(refused.code == ApiCode::kUnsupportedMediaType);
    CHECK(refused.message ==
          "Content-Type \"application/x-www-form-urlencoded\" is not allowed. Allowed types: "
          "application/json");
  }

  TEST_CASE("ParseBody: a repeated form field keeps the last value, as better-call does") {
    // better-call getBody: formData.forEach((value, key) => { result[key] = value }).
    const Body form =
        BodyOf(Parse("application/x-www-form-urlencoded", "email=first%40a.co&email=last%40a.co",
                     true));
    REQUIRE(form);
    CHECK((*form)["email"] == "last@a.co");
  }

  TEST_CASE("ParseBody: other types are 415 with better-call's message") {
    const ApiError e = ErrorOf(Parse("text/plain", "hello", true));
    CHECK(e.code == ApiCode::kUnsupportedMediaType);
    const WireError wire = ToWire(e);
    CHECK(wire.status == 415);
    CHECK(wire.body ==
          R"({"message":"Content-Type \"text/plain\" is not allowed. Allowed types: )"
          R"(application/x-www-form-urlencoded, application/json","code":"UNSUPPORTED_MEDIA_TYPE"})");
    CHECK(ErrorOf(Parse("text/plain", "hello", false)).message ==
          "Content-Type \"text/plain\" is not allowed. Allowed types: application/json");
    CHECK(ErrorOf(Parse("application/jsonx", "{}", false)).code ==
          ApiCode::kUnsupportedMediaType);
  }

  TEST_CASE("ParseBody: the 415 message quotes the Content-Type header as sent") {
    // better-call utils.mjs: `Content-Type "${contentType}" is not allowed` with the raw header.
    CHECK(ErrorOf(Parse("text/plain; charset=utf-8", "hello", false)).message ==
          "Content-Type \"text/plain; charset=utf-8\" is not allowed. Allowed types: "
          "application/json");
  }

  TEST_CASE("ParseBody: no Content-Type means no body") {
    CHECK_FALSE(BodyOf(ParseBody(Request("POST", {}, R"({"a":1})"), true)).has_value());
    CHECK_FALSE(BodyOf(ParseBody(Request("POST", {}), false)).has_value());
  }

  TEST_CASE("ValidateFields: zod messages") {
    CHECK(Validate(R"({"name":"n","email":"a@b.co","password":"pw"})") == "");
    CHECK(Validate(R"({"name":"","email":"a@b.co","password":"pw","image":"i","rememberMe":true})") ==
          "");
    CHECK(Validate(R"({"name":"n","email":5,"password":"pw"})") ==
          "[body.email] Invalid input: expected string, received number");
    CHECK(Validate(R"({"name":5,"email":"a@b.co"})") ==
          "[body.name] Invalid input: expected string, received number; "
          "[body.password] Invalid input: expected string, received undefined");
    CHECK(Validate(R"({"name":"n","email":"not-an-email","password":"pw"})") ==
          "[body.email] Invalid email address");
    CHECK(Validate(R"({"name":"n","email":"a@b.co","password":"pw","rememberMe":"yes"})") ==
          "[body.rememberMe] Invalid input: expected boolean, received string");
    CHECK(Validate(R"({"name":"n","email":"a@b.co","password":"pw","image":5.5})") ==
          "[body.image] Invalid input: expected string, received number");
    CHECK(Validate(R"({"name":null,"email":[],"password":{},"rememberMe":1})") ==
          "[body.name] Invalid input: expected string, received null; "
          "[body.email] Invalid input: expected string, received array; "
          "[body.password] Invalid input: expected string, received object; "
          "[body.rememberMe] Invalid input: expected boolean, received number");
  }

  TEST_CASE("ValidateFields: non-empty strings") {
    const std::vector<FieldSpec> fields = {{"password", FieldType::kString, true, true}};
    CHECK(ValidateFields(Body(nlohmann::json{{"password", "x"}}), fields) == std::nullopt);
    auto empty = ValidateFields(Body(nlohmann::json{{"password", ""}}), fields);
    REQUIRE(empty);
    CHECK(empty->message == "[body.password] Too small: expected string to have >=1 characters");
  }

  TEST_CASE("ValidateFields: a record schema adds zod's second issue") {
    auto error = ValidateFields(Body(nlohmann::json::array()), SignUpFields(), true);
    REQUIRE(error);
    CHECK(error->message ==
          "[body] Invalid input: expected object, received array; "
          "[body] Invalid input: expected record, received array");
    auto none = ValidateFields(Body(), SignUpFields(), true);
    REQUIRE(none);
    CHECK(none->message ==
          "[body] Invalid input: expected object, received undefined; "
          "[body] Invalid input: expected record, received undefined");
  }

  TEST_CASE("ValidateFields: the body itself") {
    CHECK(Validate("[]") == "[body] Invalid input: expected object, received array");
    CHECK(Validate("\"x\"") == "[body] Invalid input: expected object, received string");
    CHECK(Validate("null") == "[body] Invalid input: expected object, received null");
    CHECK(Validate("5") == "[body] Invalid input: expected object, received number");
    CHECK(Validate("true") == "[body] Invalid input: expected object, received boolean");
    CHECK(Validate("undefined") == "[body] Invalid input: expected object, received undefined");
    const WireError wire =
        ToWire(*ValidateFields(Body(nlohmann::json::array()), SignUpFields()));
    CHECK(wire.status == 400);
    CHECK(wire.body ==
          R"({"message":"[body] Invalid input: expected object, received array",)"
          R"("code":"VALIDATION_ERROR"})");
  }

  TEST_CASE("ToWire bodies and statuses") {
    CHECK(ToWire({ApiCode::kInvalidOrigin, ""}).status == 403);
    CHECK(WireBody(ApiCode::kInvalidOrigin) == R"({"message":"Invalid origin","code":"INVALID_ORIGIN"})");
    CHECK(WireBody(ApiCode::kMissingOrNullOrigin) ==
          R"({"message":"Missing or null Origin","code":"MISSING_OR_NULL_ORIGIN"})");
    CHECK(ToWire({ApiCode::kUserAlreadyExists, ""}).status == 422);
    CHECK(WireBody(ApiCode::kUserAlreadyExists) ==
          R"({"message":"User already exists. Use another email.",)"
          R"("code":"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"})");
    CHECK(ToWire({ApiCode::kInvalidEmailOrPassword, ""}).status == 401);
    CHECK(WireBody(ApiCode::kInvalidEmailOrPassword) ==
          R"({"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"})");
    CHECK(WireBody(ApiCode::kPasswordTooShort) ==
          R"({"message":"Password too short","code":"PASSWORD_TOO_SHORT"})");
    CHECK(WireBody(ApiCode::kPayloadTooLarge) ==
          R"({"message":"Request body too large","code":"PAYLOAD_TOO_LARGE"})");
    CHECK(ToWire({ApiCode::kLengthRequired, ""}).status == 411);
    CHECK(ToWire({ApiCode::kDeferSessionRequired, ""}).status == 405);
    SUBCASE("no code where Better Auth sends none") {
      CHECK(ToWire({ApiCode::kCallbackUrlNotString, ""}).status == 400);
      CHECK(WireBody(ApiCode::kCallbackUrlNotString) ==
            R"({"message":"Invalid callbackURL: expected a string"})");
      CHECK(ToWire({ApiCode::kTooManyRequests, ""}).status == 429);
      CHECK(WireBody(ApiCode::kTooManyRequests) ==
            R"({"message":"Too many requests. Please try again later."})");
    }
    SUBCASE("a given message replaces the default") {
      CHECK(WireBody(ApiCode::kValidationError, "[body.email] Invalid email address") ==
            R"({"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"})");
    }
    SUBCASE("invalid UTF-8 in a message is replaced, not thrown") {
      CHECK(WireBody(ApiCode::kValidationError, "bad \xff byte") ==
            "{\"message\":\"bad \xef\xbf\xbd byte\",\"code\":\"VALIDATION_ERROR\"}");
    }
  }

  TEST_CASE("FromError hides lower-layer details") {
    const ApiError busy = FromError(Error{Errc::kUnavailable, "database is locked"});
    CHECK(busy.code == ApiCode::kServiceUnavailable);
    CHECK(ToWire(busy).status == 503);
    CHECK(ToWire(busy).body.find("locked") == std::string::npos);
    const ApiError other = FromError(Error{Errc::kConflict, "UNIQUE constraint failed: user.email"});
    CHECK(other.code == ApiCode::kInternal);
    const WireError wire = ToWire(other);
    CHECK(wire.status == 500);
    CHECK(wire.body == R"({"message":"Internal server error","code":"INTERNAL_SERVER_ERROR"})");
  }

  TEST_CASE("JwtClaims: Better Auth's payload, key for key") {
    // compat spec §1.4, "Real default payload".
    CHECK(Dump(JwtClaims(Alice(), kT0, 900, kBase, kBase)) ==
          R"({"iat":1795499074,"name":"Alice","email":"alice@example.com","emailVerified":false,)"
          R"("image":null,"createdAt":"2026-11-24T05:44:34.082Z",)"
          R"("updatedAt":"2026-11-24T05:44:34.082Z","id":"iiJAZNlZxma243kpegnwGCLHnglid2kQ",)"
          R"("sub":"iiJAZNlZxma243kpegnwGCLHnglid2kQ","exp":1795499974,)"
          R"("iss":"http://localhost:3000","aud":"http://localhost:3000"})");
  }

  TEST_CASE("JwtClaims: iat is floored from milliseconds and exp = iat + ttl") {
    auto iat_exp = [](int64_t now_ms) {
      const OrderedJson c = JwtClaims(Alice(), now_ms, 900, "i", "a");
      return std::make_pair(c.at("iat").get<int64_t>(), c.at("exp").get<int64_t>());
    };
    CHECK(iat_exp(1999) == std::make_pair(int64_t{1}, int64_t{901}));
    CHECK(iat_exp(1000) == std::make_pair(int64_t{1}, int64_t{901}));
    CHECK(iat_exp(999) == std::make_pair(int64_t{0}, int64_t{900}));
    CHECK(iat_exp(0) == std::make_pair(int64_t{0}, int64_t{900}));
    CHECK(iat_exp(-1) == std::make_pair(int64_t{-1}, int64_t{899}));
    CHECK(iat_exp(-1000) == std::make_pair(int64_t{-1}, int64_t{899}));
    CHECK(iat_exp(-1001) == std::make_pair(int64_t{-2}, int64_t{898}));
    CHECK(JwtClaims(Alice(), kT0, 60, "i", "a").at("exp") == 1795499074 + 60);
  }

  TEST_CASE("JwtClaims: app columns sit between updatedAt and id; custom iss and aud") {
    storage::UserRow user = Alice();
    user.email_verified = true;
    user.image = "https://img/a.png";
    user.extra = {{"role", std::string("admin")}, {"age", int64_t{42}}, {"nick", std::monostate()}};
    const OrderedJson claims = JwtClaims(user, kT0, 900, "https://issuer", "aud-1");
    std::string keys;
    for (const auto& item : claims.items()) keys += (keys.empty() ? "" : ",") + item.key();
    CHECK(keys ==
          "iat,name,email,emailVerified,image,createdAt,updatedAt,role,age,nick,id,sub,exp,iss,aud");
    CHECK(claims.at("role") == "admin");
    CHECK(claims.at("age") == 42);
    CHECK(claims.at("nick").is_null());
    CHECK(claims.at("emailVerified") == true);
    CHECK(claims.at("image") == "https://img/a.png");
    CHECK(claims.at("iss") == "https://issuer");
    CHECK(claims.at("aud") == "aud-1");
  }

  TEST_CASE("SessionJson key order") {
    storage::SessionRow s;
    s.id = "sid";
    s.token = "tok";
    s.user_id = "uid";
    s.expires_at_ms = kT0 + 1;
    s.created_at_ms = kT0;
    s.updated_at_ms = kT0;
    s.user_agent = "";
    CHECK(Dump(SessionJson(s)) ==
          R"({"expiresAt":"2026-11-24T05:44:34.083Z","token":"tok",)"
          R"("createdAt":"2026-11-24T05:44:34.082Z","updatedAt":"2026-11-24T05:44:34.082Z",)"
          R"("ipAddress":null,"userAgent":"","userId":"uid","id":"sid"})");
  }
}

}  // namespace issuer::server
