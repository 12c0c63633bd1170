// The in-process server over real HTTP: every endpoint, success and failure paths.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "keys/encoding.h"
#include "keys/jwk.h"
#include "keys/jws.h"
#include "tests/support/test_server.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

constexpr char kBase[] = "/api/auth";
constexpr int64_t kDayMs = 86400000;

std::string Path(const std::string& p) { return std::string(kBase) + p; }

httplib::Result PostJson(httplib::Client& c, const std::string& path, const json& body,
                         const httplib::Headers& headers = {}) {
  return c.Post(Path(path).c_str(), headers, body.dump(), "application/json");
}

httplib::Result SignUp(httplib::Client& c, const std::string& email,
                       const std::string& password = "password123", json extra = json::object()) {
  json body = {{"name", "Alice"}, {"email", email}, {"password", password}};
  body.update(extra);
  return PostJson(c, "/sign-up/email", body);
}

// A sign-up that says (X-Forwarded-For) it comes from `forwarded_for`.
httplib::Result SignUpFrom(httplib::Client& c, const std::string& email,
                           const std::string& forwarded_for) {
  const json body = {{"name", "Alice"}, {"email", email}, {"password", "password123"}};
  return PostJson(c, "/sign-up/email", body, {{"X-Forwarded-For", forwarded_for}});
}

std::vector<std::string> SetCookies(const httplib::Response& res) {
  std::vector<std::string> out;
  auto range = res.headers.equal_range("Set-Cookie");
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

// "name=value" of the Set-Cookie for `name`, for sending back.
std::string CookiePair(const httplib::Response& res, const std::string& name) {
  for (const std::string& c : SetCookies(res)) {
    if (c.rfind(name + "=", 0) == 0) return c.substr(0, c.find(';'));
  }
  return "";
}

std::string SessionCookie(const httplib::Response& res) {
  return CookiePair(res, "better-auth.session_token");
}

json Body(const httplib::Result& res) { return json::parse(res->body); }

// Sends raw bytes and returns the raw response (the library client percent-decodes header
// values, so exact wire checks need this).
std::string RawExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[4096];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  return response;
}

std::string RawPost(int port, const std::string& path, const std::string& extra_headers,
                    const std::string& body) {
  return RawExchange(port, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                               extra_headers + "\r\n" + body);
}

void CheckError(const httplib::Result& res, int status, const std::string& code) {
  REQUIRE(res);
  CHECK(res->status == status);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  json body = Body(res);
  CHECK(body["code"] == code);
  CHECK(body["message"].is_string());
}

// Verifies a JWT against the JWKS the server publishes; returns its claims.
json VerifyWithJwks(httplib::Client& c, const std::string& token) {
  auto jwks = c.Get(Path("/jwks").c_str());
  REQUIRE(jwks);
  const std::string header_b64 = token.substr(0, token.find('.'));
  json header = json::parse(*keys::Base64UrlDecode(header_b64));
  const json set = json::parse(jwks->body);
  for (const json& key : set["keys"]) {
    if (key["kid"] != header["kid"]) continue;
    auto pk = keys::ParsePublicJwk(key.dump());
    REQUIRE(pk.ok());
    auto verified = keys::VerifyCompactJws(token, *pk);
    REQUIRE(verified.ok());
    return json::parse(verified->payload_json);
  }
  FAIL("no JWKS key with the token's kid: " << header.dump() << " in " << jwks->body);
  return {};
}

}  // namespace

TEST_SUITE("endpoints") {
  TEST_CASE("ok and unknown routes") {
    TestServer srv;
    auto c = srv.client();
    auto ok = c.Get(Path("/ok").c_str());
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->body == R"({"ok":true})");
    for (const char* path : {"/api/auth/nope", "/api/auth/token/", "/API/auth/token", "/"}) {
      auto res = c.Get(path);
      REQUIRE(res);
      CHECK(res->status == 404);
      CHECK(res->body.empty());
      CHECK_FALSE(res->has_header("Content-Type"));
    }
    auto wrong_method = c.Post(Path("/token").c_str(), "{}", "application/json");
    REQUIRE(wrong_method);
    CHECK(wrong_method->status == 404);
    CHECK(wrong_method->body.empty());
    auto head = c.Head(Path("/jwks").c_str());
    REQUIRE(head);
    CHECK(head->status == 404);
    auto get_sign_in = c.Get(Path("/sign-in/email").c_str());
    REQUIRE(get_sign_in);
    CHECK(get_sign_in->status == 404);
  }

  TEST_CASE("jwks makes one key on first use and publishes only public members") {
    TestServer srv;
    auto c = srv.client();
    auto first = c.Get(Path("/jwks").c_str());
    REQUIRE(first);
    CHECK(first->status == 200);
    CHECK(first->get_header_value("Content-Type") == "application/json");
    // Unlike Better Auth (no cache headers): cacheable for the standby lead time, with an ETag.
    CHECK(first->get_header_value("Cache-Control") == "public, max-age=300");
    const std::string etag = first->get_header_value("ETag");
    CHECK(etag.size() == 34);
    CHECK(etag.front() == '"');
    auto again = c.Get(Path("/jwks").c_str(), {{"If-None-Match", etag}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    CHECK(again->get_header_value("ETag") == etag);
    auto other = c.Get(Path("/jwks").c_str(), {{"If-None-Match", "\"other\", W/" + etag}});
    REQUIRE(other);
    CHECK(other->status == 304);
    auto stale = c.Get(Path("/jwks").c_str(), {{"If-None-Match", "\"other\""}});
    REQUIRE(stale);
    CHECK(stale->status == 200);
    CHECK(stale->body == first->body);
    json keys = Body(first)["keys"];
    REQUIRE(keys.size() == 1);
    const json& k = keys[0];
    CHECK(k.size() == 5);
    CHECK(k["alg"] == "EdDSA");
    CHECK(k["crv"] == "Ed25519");
    CHECK(k["kty"] == "OKP");
    CHECK(k["x"].get<std::string>().size() == 43);
    CHECK(k["kid"].get<std::string>().size() == 32);
    CHECK_FALSE(k.contains("d"));
    CHECK_FALSE(k.contains("use"));
    auto second = c.Get(Path("/jwks").c_str());
    CHECK(second->body == first->body);
    auto rows = srv.store().ListJwks();
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().private_key.front() == '"');  // sealed: a JSON string of hex
    CHECK(rows->front().private_key.find("\"d\"") == std::string::npos);
  }

  TEST_CASE("sign-up creates user, account and session and sets Better Auth's cookie") {
    TestServer srv;
    auto c = srv.client();
    auto res = SignUp(c, "Alice@Example.COM", "password123", {{"image", "https://i/a.png"}});
    REQUIRE(res);
    CHECK(res->status == 200);
    json body = Body(res);
    CHECK(body["token"].get<std::string>().size() == 32);
    CHECK(body["user"]["email"] == "alice@example.com");
    CHECK(body["user"]["name"] == "Alice");
    CHECK(body["user"]["emailVerified"] == false);
    CHECK(body["user"]["image"] == "https://i/a.png");
    CHECK(body["user"]["createdAt"] == "2026-11-24T05:44:34.082Z");
    CHECK_FALSE(body.contains("redirect"));
    auto cookies = SetCookies(*res);
    REQUIRE(cookies.size() == 1);
    const std::string& cookie = cookies[0];
    CHECK(cookie.rfind("better-auth.session_token=" + body["token"].get<std::string>() + ".", 0) ==
          0);
    CHECK(cookie.find("=; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax") != std::string::npos);
    // On the wire the signed value is URL-encoded, as better-call's encodeURIComponent does.
    const std::string login = R"({"email":"alice@example.com","password":"password123"})";
    const std::string wire = RawPost(
        srv.port(), Path("/sign-in/email"),
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(login.size()) + "\r\n",
        login);
    CHECK(wire.find("%3D; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax\r\n") != std::string::npos);
    CHECK(res->get_header_value("set-auth-token").rfind(body["token"].get<std::string>() + ".", 0) ==
          0);
    CHECK(res->get_header_value("Access-Control-Expose-Headers") == "set-auth-token");
    auto found = srv.store().FindCredentialUser("alice@example.com");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->password->size() == 32 + 1 + 128);
    auto session = srv.store().FindSessionWithUser(body["token"].get<std::string>());
    REQUIRE(session.ok());
    REQUIRE(session->has_value());
    CHECK((*session)->session.expires_at_ms == srv.clock().NowMs() + 7 * kDayMs);
    CHECK((*session)->session.ip_address == "127.0.0.1");
  }

  TEST_CASE("sign-up failures answer as Better Auth") {
    TestServer srv;
    auto c = srv.client();
    REQUIRE(SignUp(c, "bob@example.com")->status == 200);
    CheckError(SignUp(c, "BOB@example.com"), 422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
    CheckError(SignUp(c, "carol@example.com", "short"), 400, "PASSWORD_TOO_SHORT");
    CheckError(SignUp(c, "carol@example.com", std::string(129, 'x')), 400, "PASSWORD_TOO_LONG");
    auto bad_email = SignUp(c, "notanemail");
    CheckError(bad_email, 400, "VALIDATION_ERROR");
    CHECK(Body(bad_email)["message"] == "[body.email] Invalid email address");
    auto missing = PostJson(c, "/sign-up/email", {{"email", "d@example.com"}, {"name", "D"}});
    CheckError(missing, 400, "VALIDATION_ERROR");
    CHECK(Body(missing)["message"] ==
          "[body.password] Invalid input: expected string, received undefined");
    auto wrong_type = SignUp(c, "e@example.com", "password123", {{"name", 5}});
    CHECK(Body(wrong_type)["message"] ==
          "[body.name] Invalid input: expected string, received number");
    auto array = c.Post(Path("/sign-up/email").c_str(), "[]", "application/json");
    CHECK(Body(array)["message"] ==
          "[body] Invalid input: expected object, received array; "
          "[body] Invalid input: expected record, received array");
    auto empty_password = SignUp(c, "h@example.com", "");
    CHECK(Body(empty_password)["message"] ==
          "[body.password] Too small: expected string to have >=1 characters");
    auto multipart = c.Post(Path("/sign-in/email").c_str(), "--x--", "multipart/form-data; boundary=x");
    CheckError(multipart, 415, "UNSUPPORTED_MEDIA_TYPE");
    CHECK(Body(multipart)["message"] ==
          "Content-Type \"multipart/form-data; boundary=x\" is not allowed. Allowed types: "
          "application/x-www-form-urlencoded, application/json");
    CheckError(c.Post(Path("/sign-up/email").c_str(), "{bad", "application/json"), 400,
               "BAD_REQUEST");
    CheckError(c.Post(Path("/sign-up/email").c_str(), "x", "text/plain"), 415,
               "UNSUPPORTED_MEDIA_TYPE");
    // A 129-character password is refused, a 128-character one of astral characters is not
    // (the limit counts UTF-16 units, as JavaScript does).
    std::string astral;
    for (int i = 0; i < 64; ++i) astral += "\xF0\x9F\x98\x80";
    CHECK(SignUp(c, "f@example.com", astral)->status == 200);
    CheckError(SignUp(c, "g@example.com", astral + "x"), 400, "PASSWORD_TOO_LONG");
    // Nothing half-written: the failed sign-ups left no user behind.
    auto none = srv.store().FindCredentialUser("carol@example.com");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
  }

  TEST_CASE("sign-in: success, case-insensitive email, failures") {
    TestServer srv;
    auto c = srv.client();
    REQUIRE(SignUp(c, "alice@example.com")->status == 200);
    auto ok = PostJson(c, "/sign-in/email", {{"email", "ALICE@example.com"}, {"password", "password123"}});
    REQUIRE(ok);
    CHECK(ok->status == 200);
    json body = Body(ok);
    CHECK(body["redirect"] == false);
    CHECK_FALSE(body.contains("url"));
    CHECK(body["user"]["email"] == "alice@example.com");
    CHECK_FALSE(SessionCookie(*ok).empty());
    CheckError(PostJson(c, "/sign-in/email", {{"email", "alice@example.com"}, {"password", "wrongpass1"}}),
               401, "INVALID_EMAIL_OR_PASSWORD");
    CheckError(PostJson(c, "/sign-in/email", {{"email", "nobody@example.com"}, {"password", "password123"}}),
               401, "INVALID_EMAIL_OR_PASSWORD");
    CheckError(PostJson(c, "/sign-in/email", {{"email", "alice@example.com"}, {"password", "short"}}),
               401, "INVALID_EMAIL_OR_PASSWORD");
    CheckError(PostJson(c, "/sign-in/email", {{"email", "notanemail"}, {"password", "password123"}}),
               400, "INVALID_EMAIL");
    CheckError(PostJson(c, "/sign-in/email",
                        {{"email", "alice@example.com"}, {"password", std::string(129, 'p')}}),
               400, "PASSWORD_TOO_LONG");
    auto yes = PostJson(c, "/sign-in/email",
                        {{"email", "alice@example.com"}, {"password", "password123"}, {"rememberMe", "yes"}});
    CHECK(Body(yes)["message"] ==
          "[body.rememberMe] Invalid input: expected boolean, received string");
    auto form = c.Post(Path("/sign-in/email").c_str(), "email=alice%40example.com&password=password123",
                       "application/x-www-form-urlencoded");
    REQUIRE(form);
    CHECK(form->status == 200);
    auto charset = c.Post(Path("/sign-in/email").c_str(),
                          R"({"email":"alice@example.com","password":"password123"})",
                          "application/json; charset=utf-8");
    CHECK(charset->status == 200);
  }

  TEST_CASE("sign-in with callbackURL") {
    TestServer srv;
    auto c = srv.client();
    REQUIRE(SignUp(c, "alice@example.com")->status == 200);
    json creds = {{"email", "alice@example.com"}, {"password", "password123"}};
    json with = creds;
    with["callbackURL"] = "/dashboard";
    auto res = PostJson(c, "/sign-in/email", with);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Location") == "/dashboard");
    CHECK(Body(res)["redirect"] == true);
    CHECK(Body(res)["url"] == "/dashboard");
    with["callbackURL"] = "https://evil.example/x";
    CheckError(PostJson(c, "/sign-in/email", with), 403, "INVALID_CALLBACK_URL");
    with["callbackURL"] = 5;
    auto not_string = PostJson(c, "/sign-in/email", with);
    REQUIRE(not_string);
    CHECK(not_string->status == 400);
    CHECK(not_string->body == R"({"message":"Invalid callbackURL: expected a string"})");
  }

  TEST_CASE("get-session and token with the cookie, and the JWT verifies against the JWKS") {
    TestServer srv;
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    const std::string user_id = Body(signup)["user"]["id"];
    const std::string cookie = SessionCookie(*signup);

    auto none = c.Get(Path("/get-session").c_str());
    REQUIRE(none);
    CHECK(none->status == 200);
    CHECK(none->body == "null");
    CHECK(none->get_header_value("Cache-Control") == "no-store");
    CHECK_FALSE(none->has_header("set-auth-jwt"));

    auto session = c.Get(Path("/get-session").c_str(), {{"Cookie", cookie}});
    REQUIRE(session);
    CHECK(session->status == 200);
    json body = Body(session);
    CHECK(body["user"]["id"] == user_id);
    CHECK(body["session"]["userId"] == user_id);
    CHECK(body["session"]["token"] == Body(signup)["token"]);
    CHECK(session->get_header_value("Cache-Control") == "no-store");
    CHECK(session->get_header_value("Access-Control-Expose-Headers") == "set-auth-jwt");
    json from_header = VerifyWithJwks(c, session->get_header_value("set-auth-jwt"));
    CHECK(from_header["sub"] == user_id);

    auto token = c.Get(Path("/token").c_str(), {{"Cookie", cookie}});
    REQUIRE(token);
    CHECK(token->status == 200);
    CHECK_FALSE(token->has_header("Cache-Control"));
    const std::string jwt = Body(token)["token"];
    const std::string header = *keys::Base64UrlDecode(jwt.substr(0, jwt.find('.')));
    CHECK(header.rfind(R"({"alg":"EdDSA","kid":")", 0) == 0);
    CHECK(json::parse(header).size() == 2);
    json claims = VerifyWithJwks(c, jwt);
    CHECK(claims["sub"] == user_id);
    CHECK(claims["id"] == user_id);
    CHECK(claims["email"] == "alice@example.com");
    CHECK(claims["iat"] == srv.clock().NowMs() / 1000);
    CHECK(claims["exp"].get<int64_t>() == claims["iat"].get<int64_t>() + 900);
    CHECK(claims["iss"] == srv.origin());
    CHECK(claims["aud"] == srv.origin());
    CHECK_FALSE(claims.contains("password"));
  }

  TEST_CASE("token: bearer tokens, and what is not a session") {
    TestServer srv;
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    const std::string signed_token = signup->get_header_value("set-auth-token");
    const std::string raw_token = Body(signup)["token"];
    for (const std::string& bearer : {signed_token, raw_token}) {
      auto res = c.Get(Path("/token").c_str(), {{"Authorization", "Bearer " + bearer}});
      REQUIRE(res);
      CHECK(res->status == 200);
    }
    auto lower = c.Get(Path("/token").c_str(), {{"Authorization", "bearer " + signed_token}});
    CHECK(lower->status == 200);
    const std::string jwt = Body(c.Get(Path("/token").c_str(), {{"Authorization", "Bearer " + raw_token}}))["token"];
    CheckError(c.Get(Path("/token").c_str(), {{"Authorization", "Bearer " + jwt}}), 401, "UNAUTHORIZED");
    CheckError(c.Get(Path("/token").c_str()), 401, "UNAUTHORIZED");
    const std::string cookie = SessionCookie(*signup);
    std::string tampered = cookie;
    tampered[tampered.size() - 6] = tampered[tampered.size() - 6] == 'A' ? 'B' : 'A';
    CheckError(c.Get(Path("/token").c_str(), {{"Cookie", tampered}}), 401, "UNAUTHORIZED");
    CheckError(c.Get(Path("/token").c_str(), {{"Cookie", "better-auth.session_token=" + raw_token}}), 401,
               "UNAUTHORIZED");
    CheckError(c.Get(Path("/token").c_str(), {{"Cookie", "better-auth.session_token=" + std::string(5000, 'a')}}),
               401, "UNAUTHORIZED");
    // Unsigned or badly signed cookies give get-session null with no Set-Cookie.
    auto garbage = c.Get(Path("/get-session").c_str(), {{"Cookie", "better-auth.session_token=%%%;;=="}});
    REQUIRE(garbage);
    CHECK(garbage->body == "null");
    CHECK(SetCookies(*garbage).empty());
  }

  TEST_CASE("expired sessions are refused, cleared and deleted") {
    TestServer srv;
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    const std::string cookie = SessionCookie(*signup);
    const std::string token = Body(signup)["token"];
    srv.clock().Advance(7 * kDayMs + 1);
    auto res = c.Get(Path("/token").c_str(), {{"Cookie", cookie}});
    CheckError(res, 401, "UNAUTHORIZED");
    auto cookies = SetCookies(*res);
    REQUIRE(cookies.size() == 3);
    CHECK(cookies[0] == "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
    CHECK(cookies[1] == "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
    CHECK(cookies[2] == "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
    auto row = srv.store().FindSessionWithUser(token);
    REQUIRE(row.ok());
    CHECK_FALSE(row->has_value());
  }

  TEST_CASE("sessions refresh once a day (updateAge)") {
    TestServer srv;
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    const std::string cookie = SessionCookie(*signup);
    const std::string token = Body(signup)["token"];
    srv.clock().Advance(kDayMs - 1000);
    auto early = c.Get(Path("/get-session").c_str(), {{"Cookie", cookie}});
    CHECK(SetCookies(*early).empty());
    srv.clock().Advance(2000);
    auto refreshed = c.Get(Path("/get-session").c_str(), {{"Cookie", cookie}});
    REQUIRE(refreshed);
    REQUIRE(SetCookies(*refreshed).size() == 1);
    CHECK(SetCookies(*refreshed)[0].find("Max-Age=604800") != std::string::npos);
    CHECK(refreshed->get_header_value("set-auth-token").rfind(token + ".", 0) == 0);
    CHECK(refreshed->get_header_value("Access-Control-Expose-Headers") ==
          "set-auth-jwt, set-auth-token");
    auto row = srv.store().FindSessionWithUser(token);
    CHECK((*row)->session.expires_at_ms == srv.clock().NowMs() + 7 * kDayMs);
    auto no_refresh = c.Get(Path("/get-session?disableRefresh=true").c_str(), {{"Cookie", cookie}});
    CHECK(SetCookies(*no_refresh).empty());
  }

  TEST_CASE("rememberMe false: a browser-session cookie, a one-day session, no refresh") {
    TestServer srv;
    auto c = srv.client();
    REQUIRE(SignUp(c, "alice@example.com")->status == 200);
    auto res = PostJson(c, "/sign-in/email",
                        {{"email", "alice@example.com"}, {"password", "password123"}, {"rememberMe", false}});
    REQUIRE(res);
    auto cookies = SetCookies(*res);
    REQUIRE(cookies.size() == 2);
    CHECK(cookies[0].find("Max-Age") == std::string::npos);
    CHECK(cookies[1].rfind("better-auth.dont_remember=true.", 0) == 0);
    const std::string token = Body(res)["token"];
    auto row = srv.store().FindSessionWithUser(token);
    CHECK((*row)->session.expires_at_ms == srv.clock().NowMs() + kDayMs);
    const std::string both = SessionCookie(*res) + "; " + CookiePair(*res, "better-auth.dont_remember");
    srv.clock().Advance(kDayMs / 2);
    auto session = c.Get(Path("/get-session").c_str(), {{"Cookie", both}});
    CHECK(Body(session)["session"]["token"] == token);
    CHECK(SetCookies(*session).empty());
  }

  TEST_CASE("sign-out deletes the session and clears cookies") {
    TestServer srv;
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    const std::string cookie = SessionCookie(*signup);
    auto res = c.Post(Path("/sign-out").c_str(), {{"Cookie", cookie}, {"Origin", srv.origin()}}, "{}",
                      "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == R"({"success":true})");
    CHECK(SetCookies(*res).size() == 3);
    CheckError(c.Get(Path("/token").c_str(), {{"Cookie", cookie}}), 401, "UNAUTHORIZED");
    auto anonymous = c.Post(Path("/sign-out").c_str(), "", "application/json");
    CHECK(anonymous->status == 200);
    auto no_body = c.Post(Path("/sign-out").c_str());
    CHECK(no_body->status == 200);
    CheckError(c.Post(Path("/sign-out").c_str(), "x", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE");
    auto raw_bearer = c.Post(Path("/sign-out").c_str(),
                             {{"Authorization", "Bearer " + signup->get_header_value("set-auth-token")}},
                             "{}", "application/json");
    CHECK(raw_bearer->status == 200);
  }

  TEST_CASE("origin checks") {
    TestServer::Options options;
    options.trusted_origins = "https://app.example.com, *.trusted.dev";
    TestServer srv(options);
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    const std::string cookie = SessionCookie(*signup);
    CheckError(c.Post(Path("/sign-out").c_str(), {{"Cookie", cookie}}, "{}", "application/json"), 403,
               "MISSING_OR_NULL_ORIGIN");
    CheckError(c.Post(Path("/sign-out").c_str(), {{"Cookie", cookie}, {"Origin", "null"}}, "{}",
                      "application/json"),
               403, "MISSING_OR_NULL_ORIGIN");
    CheckError(c.Post(Path("/sign-out").c_str(), {{"Cookie", cookie}, {"Origin", "https://evil.example"}},
                      "{}", "application/json"),
               403, "INVALID_ORIGIN");
    for (const char* origin : {"https://app.example.com", "https://x.trusted.dev"}) {
      auto ok = c.Post(Path("/sign-out").c_str(), {{"Cookie", "a=b"}, {"Origin", origin}}, "{}",
                       "application/json");
      CHECK(ok->status == 200);
    }
    auto referer = c.Post(Path("/sign-out").c_str(), {{"Cookie", "a=b"}, {"Referer", srv.origin() + "/page"}},
                          "{}", "application/json");
    CHECK(referer->status == 200);
    json creds = {{"email", "alice@example.com"}, {"password", "password123"}};
    CheckError(PostJson(c, "/sign-in/email", creds,
                        {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "navigate"}}),
               403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED");
    CheckError(PostJson(c, "/sign-in/email", creds, {{"Sec-Fetch-Site", "same-origin"}}), 403,
               "MISSING_OR_NULL_ORIGIN");
    CheckError(PostJson(c, "/sign-in/email", creds, {{"Origin", "https://evil.example"}}), 403,
               "INVALID_ORIGIN");
    CHECK(PostJson(c, "/sign-in/email", creds, {{"Origin", srv.origin()}})->status == 200);
  }

  TEST_CASE("NODE_ENV=test turns the origin check off") {
    TestServer::Options options;
    options.node_env = "test";
    TestServer srv(options);
    auto c = srv.client();
    auto res = c.Post(Path("/sign-out").c_str(), {{"Cookie", "a=b"}, {"Origin", "https://evil.example"}},
                      "{}", "application/json");
    CHECK(res->status == 200);
  }

  TEST_CASE("NODE_ENV=production: Better Auth's rate limit, 3 sign-ins per 10 s") {
    TestServer::Options options;
    options.node_env = "production";
    TestServer srv(options);
    auto c = srv.client();
    json creds = {{"email", "nobody@example.com"}, {"password", "password123"}};
    for (int i = 0; i < 3; ++i) CHECK(PostJson(c, "/sign-in/email", creds)->status == 401);
    auto limited = PostJson(c, "/sign-in/email", creds);
    REQUIRE(limited);
    CHECK(limited->status == 429);
    CHECK(limited->body == R"({"message":"Too many requests. Please try again later."})");
    CHECK(limited->get_header_value("X-Retry-After") == "10");
    CHECK(c.Get(Path("/ok").c_str())->status == 200);  // other paths have their own bucket
    // No proxy is trusted: a spoofed X-Forwarded-For is still this client.
    CHECK(PostJson(c, "/sign-in/email", creds, {{"X-Forwarded-For", "203.0.113.7"}})->status == 429);
    srv.clock().Advance(10000);  // time moves the window on
    CHECK(PostJson(c, "/sign-in/email", creds)->status == 401);
    // The session stores the client's own address, not the header.
    auto signup = SignUpFrom(c, "p@example.com", "203.0.113.7");
    REQUIRE(signup->status == 200);
    auto row = srv.store().FindSessionWithUser(Body(signup)["token"].get<std::string>());
    CHECK((*row)->session.ip_address == "127.0.0.1");
  }

  TEST_CASE("--trusted-proxy: clients behind the proxy are counted apart, by X-Forwarded-For") {
    TestServer::Options options;
    options.node_env = "production";
    options.extra_args = {"--trusted-proxy", "127.0.0.1/32"};
    TestServer srv(options);
    auto c = srv.client();
    REQUIRE(SignUpFrom(c, "victim@example.com", "198.51.100.20")->status == 200);
    const json creds = {{"email", "victim@example.com"}, {"password", "password123"}};
    const json wrong = {{"email", "victim@example.com"}, {"password", "wrong-password"}};
    const httplib::Headers attacker = {{"X-Forwarded-For", "203.0.113.66"}};
    for (int i = 0; i < 3; ++i) CHECK(PostJson(c, "/sign-in/email", wrong, attacker)->status == 401);
    CHECK(PostJson(c, "/sign-in/email", wrong, attacker)->status == 429);
    // The attacker's own claim in front of the proxy's entry changes nothing.
    CHECK(PostJson(c, "/sign-in/email", wrong, {{"X-Forwarded-For", "1.1.1.1, 203.0.113.66"}})
              ->status == 429);
    // The victim, another client of the proxy, signs in.
    auto victim = PostJson(c, "/sign-in/email", creds, {{"X-Forwarded-For", "198.51.100.20"}});
    REQUIRE(victim);
    CHECK(victim->status == 200);
    auto row = srv.store().FindSessionWithUser(Body(victim)["token"].get<std::string>());
    CHECK((*row)->session.ip_address == "198.51.100.20");
    // IPv6 clients: one /64 is one client, however it is spelled.
    for (const char* ip : {"2001:db8::1", "2001:DB8::2", "2001:0db8::3"}) {
      CHECK(PostJson(c, "/sign-in/email", wrong, {{"X-Forwarded-For", ip}})->status == 401);
    }
    CHECK(PostJson(c, "/sign-in/email", wrong, {{"X-Forwarded-For", "2001:db8::ffff"}})->status ==
          429);
  }

  TEST_CASE("rateLimit in the config file: customRules, and enabled outside production") {
    const std::string path = "/tmp/ba-issuer-ratelimit-" + std::to_string(getpid()) + ".json";
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs(R"({"rateLimit": {"enabled": true, "customRules": {
        "/sign-in/email": {"window": 60, "max": 1}, "/get-session": false}}})", f);
    std::fclose(f);
    TestServer::Options options;
    options.extra_args = {"--config", path};
    TestServer srv(options);
    std::remove(path.c_str());
    auto c = srv.client();
    const json creds = {{"email", "nobody@example.com"}, {"password", "password123"}};
    CHECK(PostJson(c, "/sign-in/email", creds)->status == 401);
    auto limited = PostJson(c, "/sign-in/email", creds);
    REQUIRE(limited);
    CHECK(limited->status == 429);
    CHECK(limited->get_header_value("X-Retry-After") == "60");
    for (int i = 0; i < 120; ++i) REQUIRE(c.Get(Path("/get-session").c_str())->status == 200);
    CHECK(c.Get(Path("/ok").c_str())->status == 200);
  }

  TEST_CASE("an https base URL gives __Secure- cookies") {
    TestServer::Options options;
    options.base_url = "https://auth.example.com";
    TestServer srv(options);
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    auto cookies = SetCookies(*signup);
    REQUIRE(cookies.size() == 1);
    CHECK(cookies[0].rfind("__Secure-better-auth.session_token=", 0) == 0);
    CHECK(cookies[0].find("; HttpOnly; Secure; SameSite=Lax") != std::string::npos);
    const std::string pair = SessionCookie(*signup);
    CHECK(pair.empty());  // the plain name is not used
    const std::string secure_pair = CookiePair(*signup, "__Secure-better-auth.session_token");
    auto token = c.Get(Path("/token").c_str(), {{"Cookie", secure_pair}});
    CHECK(token->status == 200);
    json claims = VerifyWithJwks(c, Body(token)["token"]);
    CHECK(claims["iss"] == "https://auth.example.com");
    const std::string plain = "better-auth.session_token=" + secure_pair.substr(secure_pair.find('=') + 1);
    CheckError(c.Get(Path("/token").c_str(), {{"Cookie", plain}}), 401, "UNAUTHORIZED");
  }

  TEST_CASE("a base URL with a path sets the base path") {
    TestServer::Options options;
    options.base_url = "http://127.0.0.1:1/auth/v1/";
    TestServer srv(options);
    auto c = srv.client();
    CHECK(c.Get("/auth/v1/ok")->status == 200);
    CHECK(c.Get("/api/auth/ok")->status == 404);
  }

  TEST_CASE("GET endpoints ignore a Content-Type, and repeated Cookie headers are joined") {
    TestServer srv;
    auto c = srv.client();
    CHECK(c.Get(Path("/jwks").c_str(), {{"Content-Type", "text/plain"}})->status == 200);
    CHECK(c.Get(Path("/ok").c_str(), {{"Content-Type", "multipart/form-data; boundary=x"}})->status == 200);
    auto signup = SignUp(c, "alice@example.com");
    auto res = c.Get(Path("/token").c_str(), {{"Cookie", "theme=dark"}, {"Cookie", SessionCookie(*signup)}});
    REQUIRE(res);
    CHECK(res->status == 200);
  }

  TEST_CASE("malformed JSON edge cases get 4xx, never 5xx") {
    TestServer srv;
    auto c = srv.client();
    for (const char* body : {"1e400", "{\"email\":\"\\ud800\"}", "{\"a\":1}garbage", "\xff\xfe",
                             "null", "\"x\"", "{\"email\":\"a@b.co\",\"password\":\"\\u0000pppppppp\"}"}) {
      auto res = c.Post(Path("/sign-in/email").c_str(), body, "application/json");
      REQUIRE(res);
      CHECK(res->status >= 400);
      CHECK(res->status < 500);
      CHECK(json::parse(res->body, nullptr, false).contains("message"));
    }
    std::string deep(60000, '[');
    auto res = c.Post(Path("/sign-in/email").c_str(), deep, "application/json");
    CHECK(res->status == 400);
    CHECK(c.Get(Path("/ok").c_str())->status == 200);
  }
}

}  // namespace issuer::testing

// The account routes (issue 10) under the fixed clock: freshness, token lifetimes, delete-user,
// the dev mailbox and its command, and the special rate limits. The answers themselves are
// compared with real Better Auth in tests/interop/differential-accounts.test.mjs.
namespace issuer::testing {
namespace {

// A server with the account options of `config` (JSON) and the test API.
TestServer::Options AccountOptions(const std::string& name, const std::string& config) {
  const std::string path = "/tmp/ba-issuer-accounts-" + std::to_string(getpid()) + "-" + name;
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs(config.c_str(), f);
  std::fclose(f);
  TestServer::Options options;
  options.extra_args = {"--config", path, "--test-api"};
  return options;
}

// The token of the newest mail to `to` of `kind`.
std::string MailToken(httplib::Client& c, const std::string& to, const std::string& kind) {
  auto res = c.Get(("/__test/mail?to=" + to).c_str());
  REQUIRE(res);
  for (const json& m : Body(res)) {
    if (m["kind"] == kind) return m["token"];
  }
  FAIL("no " << kind << " mail for " << to << ": " << res->body);
  return "";
}

}  // namespace

TEST_SUITE("endpoints") {
  TEST_CASE("account routes: freshAge, reset and verification lifetimes, delete-user") {
    TestServer srv(AccountOptions("fresh.json", R"({"user": {"deleteUser": {"enabled": true}},
        "session": {"freshAge": 60}, "emailAndPassword": {"resetPasswordTokenExpiresIn": 120},
        "emailVerification": {"expiresIn": 300}})"));
    auto c = srv.client();
    auto signup = SignUp(c, "alice@example.com");
    REQUIRE(signup->status == 200);
    const httplib::Headers as_alice = {{"Cookie", SessionCookie(*signup)}, {"Origin", srv.origin()}};
    CHECK(c.Get(Path("/list-sessions").c_str(), as_alice)->status == 200);
    srv.clock().Advance(60000);
    CheckError(c.Get(Path("/list-sessions").c_str(), as_alice), 403, "SESSION_NOT_FRESH");
    CheckError(PostJson(c, "/delete-user", json::object(), as_alice), 400, "SESSION_EXPIRED");
    CHECK(srv.store().FindCredentialUser("alice@example.com")->has_value());

    REQUIRE(PostJson(c, "/request-password-reset", {{"email", "alice@example.com"}})->status == 200);
    const std::string reset = MailToken(c, "alice@example.com", "reset-password");
    srv.clock().Advance(121000);
    CheckError(PostJson(c, "/reset-password", {{"token", reset}, {"newPassword", "another-one-1"}}),
               400, "INVALID_TOKEN");
    CHECK(srv.store().FindVerification("reset-password:" + reset)->has_value());  // no row changed
    CHECK(PostJson(c, "/sign-in/email", {{"email", "alice@example.com"}, {"password", "password123"}})
              ->status == 200);

    REQUIRE(PostJson(c, "/send-verification-email", {{"email", "alice@example.com"}})->status == 200);
    const std::string verify = MailToken(c, "alice@example.com", "verify-email");
    CHECK(c.Get(Path("/verify-email?token=" + verify).c_str())->status == 200);  // still valid
    srv.clock().Advance(301000);
    CheckError(c.Get(Path("/verify-email?token=" + verify).c_str()), 401, "TOKEN_EXPIRED");

    auto deleted = PostJson(c, "/delete-user", {{"password", "password123"}}, as_alice);
    REQUIRE(deleted);
    CHECK(deleted->status == 200);
    CHECK_FALSE(srv.store().FindCredentialUser("alice@example.com")->has_value());
  }

  TEST_CASE("NODE_ENV=production: 3 password-reset requests per 60 s, as Better Auth") {
    TestServer::Options options = AccountOptions("limit.json", "{}");
    options.node_env = "production";
    options.extra_args = {options.extra_args[0], options.extra_args[1]};  // no --test-api
    TestServer srv(options);
    auto c = srv.client();
    const json body = {{"email", "nobody@example.com"}};
    for (int i = 0; i < 3; ++i) CHECK(PostJson(c, "/request-password-reset", body)->status == 200);
    auto limited = PostJson(c, "/request-password-reset", body);
    REQUIRE(limited);
    CHECK(limited->status == 429);
    CHECK(limited->get_header_value("X-Retry-After") == "60");
    srv.clock().Advance(30000);
    CHECK(PostJson(c, "/request-password-reset", body)->status == 429);
    srv.clock().Advance(30000);
    CHECK(PostJson(c, "/request-password-reset", body)->status == 200);
  }

  TEST_CASE("--mail-command gets each message as one JSON object, DELETE /__test/mail empties") {
    const std::string out = "/tmp/ba-issuer-mail-" + std::to_string(getpid()) + ".json";
    std::remove(out.c_str());
    TestServer::Options options = AccountOptions("mail.json", "{}");
    options.extra_args.push_back("--mail-command");
    options.extra_args.push_back("cat > " + out);
    TestServer srv(options);
    auto c = srv.client();
    REQUIRE(SignUp(c, "bob@example.com")->status == 200);
    REQUIRE(PostJson(c, "/request-password-reset", {{"email", "bob@example.com"}})->status == 200);
    const std::string token = MailToken(c, "bob@example.com", "reset-password");
    std::string text;
    for (int i = 0; i < 100 && text.find('\n') == std::string::npos; ++i) {  // up to 5 s
      usleep(50000);
      std::FILE* f = std::fopen(out.c_str(), "r");
      if (f == nullptr) continue;
      char buf[4096];
      text.assign(buf, std::fread(buf, 1, sizeof buf, f));
      std::fclose(f);
    }
    REQUIRE(text.find('\n') != std::string::npos);
    const json piped = json::parse(text);
    CHECK(piped["to"] == "bob@example.com");
    CHECK(piped["kind"] == "reset-password");
    CHECK(piped["token"] == token);
    CHECK(piped["url"] == srv.origin() + "/api/auth/reset-password/" + token + "?callbackURL=");
    auto cleared = c.Delete("/__test/mail", R"({"any":"body"})", "application/json");
    REQUIRE(cleared);
    CHECK(cleared->status == 200);
    CHECK(c.Get("/__test/mail")->body == "[]");
    CHECK(c.Get(Path("/reset-password/a/b?callbackURL=%2F").c_str())->status == 404);
    std::remove(out.c_str());
  }
}

}  // namespace issuer::testing
