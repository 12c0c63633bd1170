// Social sign-in (issue 25) in process: the dev provider's refusals (unknown client,
// unregistered redirect_uri, reused or expired code, wrong PKCE verifier, bad client secret),
// and the flow's (wrong, reused or missing state, missing code), with the github stand-in.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/social/dev_provider.h"
#include "server/social/oauth_url.h"
#include "tests/support/issuer.h"
#include "tests/support/test_server.h"

namespace issuer::testing {
namespace {

using nlohmann::json;
constexpr char kRedirect[] = "http://127.0.0.1:9/cb";
const std::string kVerifier(64, 'v');

TestServer::Options SocialOptions() {
  TestServer::Options options;
  const std::string config =
      WriteTempFile("social.json", R"({"socialProviders": {"github": {}}})");
  options.extra_args = {"--dev-oauth", "--test-api", "--config", config};
  return options;
}

// The path and query of an absolute URL on the test server.
std::string PathOf(const std::string& url) { return url.substr(url.find('/', url.find("://") + 3)); }

std::string QueryValue(const std::string& url, const std::string& name) {
  const size_t at = url.find(name + "=");
  REQUIRE(at != std::string::npos);
  const size_t start = at + name.size() + 1;
  return url.substr(start, url.find('&', start) - start);
}

// `name=value` of the Set-Cookie named `name`, or "".
std::string CookieOf(const httplib::Result& res, const std::string& name) {
  for (size_t i = 0; i < res->get_header_value_count("Set-Cookie"); ++i) {
    const std::string value = res->get_header_value("Set-Cookie", i);
    if (value.rfind(name + "=", 0) == 0) return value.substr(0, value.find(';'));
  }
  return "";
}

// A client that sends paths as given (cpp-httplib would otherwise escape the '+' of a query).
httplib::Client Raw(const TestServer& srv) {
  httplib::Client client = srv.client();
  client.set_url_encode(false);
  return client;
}

json Post(const TestServer& srv, const std::string& path, const json& body, int status = 200) {
  return JsonOf(srv.client().Post(path, {{"Origin", srv.origin()}}, body.dump(), "application/json"),
                status);
}

struct Client {
  TestServer& srv;
  Client(TestServer& server) : srv(server) {
    Post(srv, "/__test/dev-oauth/clients",
         {{"clientId", "c1"}, {"clientSecret", "s1"}, {"redirectURIs", {kRedirect}}});
    Post(srv, "/__test/dev-oauth/users", {{"email", "ada@example.com"}, {"select", true}});
  }
  // A code from authorize, with a PKCE challenge of kVerifier.
  std::string Code() {
    const std::string path =
        "/__dev-oauth/authorize?" +
        server::social::FormEncode({{"response_type", "code"}, {"client_id", "c1"},
                                    {"redirect_uri", kRedirect}, {"state", "st"},
                                    {"scope", "openid email"},
                                    {"code_challenge", server::social::CodeChallenge(kVerifier)},
                                    {"code_challenge_method", "S256"}});
    auto res = Raw(srv).Get(path);
    REQUIRE(res);
    REQUIRE(res->status == 302);
    const std::string location = res->get_header_value("Location");
    CHECK(location.rfind(std::string(kRedirect) + "?code=", 0) == 0);
    CHECK(QueryValue(location, "state") == "st");
    return QueryValue(location, "code");
  }
  httplib::Result Token(const std::string& code, const std::string& verifier,
                        const std::string& secret = "s1") {
    return srv.client().Post("/__dev-oauth/token",
                             server::social::FormEncode({{"grant_type", "authorization_code"},
                                                         {"code", code},
                                                         {"redirect_uri", kRedirect},
                                                         {"code_verifier", verifier},
                                                         {"client_id", "c1"},
                                                         {"client_secret", secret}}),
                             "application/x-www-form-urlencoded");
  }
  httplib::Result Refresh(const std::string& refresh_token, const std::string& secret = "s1") {
    return srv.client().Post("/__dev-oauth/token",
                             server::social::FormEncode({{"grant_type", "refresh_token"},
                                                         {"refresh_token", refresh_token},
                                                         {"client_id", "c1"},
                                                         {"client_secret", secret}}),
                             "application/x-www-form-urlencoded");
  }
};

std::string ErrorOf(const httplib::Result& res, int status) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == status);
  return json::parse(res->body).value("error", "");
}

// sign-in/social for github: the authorize URL and the state cookie.
std::pair<std::string, std::string> StartGithub(TestServer& srv) {
  auto res = srv.client().Post("/api/auth/sign-in/social", {{"Origin", srv.origin()}},
                               R"({"provider":"github","callbackURL":"/done"})", "application/json");
  const json body = JsonOf(res);
  CHECK(body["redirect"] == true);
  const std::string cookie = CookieOf(res, "better-auth.state");
  CHECK(!cookie.empty());
  return {body["url"].get<std::string>(), cookie};
}

// The callback URL the dev provider sends the browser to.
std::string AuthorizeGithub(TestServer& srv, const std::string& url) {
  auto res = Raw(srv).Get(PathOf(url));
  REQUIRE(res);
  REQUIRE(res->status == 302);
  return res->get_header_value("Location");
}

std::string CallbackLocation(TestServer& srv, const std::string& path, const std::string& cookie) {
  httplib::Headers headers;
  if (!cookie.empty()) headers.emplace("Cookie", cookie);
  auto res = Raw(srv).Get(path, headers);
  REQUIRE(res);
  CHECK(res->status == 302);
  return res->get_header_value("Location");
}

}  // namespace

TEST_SUITE("social") {
  TEST_CASE("dev provider: unknown client and unregistered redirect_uri get a page, no redirect") {
    TestServer srv(SocialOptions());
    Client c(srv);
    for (const auto& [client_id, redirect] :
         std::vector<std::pair<std::string, std::string>>{{"nobody", kRedirect},
                                                          {"c1", "http://evil.test/cb"}}) {
      const std::string shown = client_id;
      CAPTURE(shown);
      auto res = Raw(srv).Get("/__dev-oauth/authorize?" +
                                  server::social::FormEncode({{"response_type", "code"},
                                                              {"client_id", client_id},
                                                              {"redirect_uri", redirect}}));
      REQUIRE(res);
      CHECK(res->status == 400);
      CHECK(!res->has_header("Location"));
      CHECK(res->get_header_value("Content-Type").rfind("text/html", 0) == 0);
    }
  }

  TEST_CASE("dev provider: the login page lists its users (escaped) and signs the chosen one in") {
    TestServer srv(SocialOptions());
    Client c(srv);
    const json eve = Post(srv, "/__test/dev-oauth/users",
                          {{"email", "eve@example.com"}, {"name", "<b>Eve</b>"}});
    auto cleared = srv.client().Delete("/__test/dev-oauth/select");
    REQUIRE(cleared);
    const server::social::Params query = {{"response_type", "code"}, {"client_id", "c1"},
                                          {"redirect_uri", kRedirect}, {"state", "st"}};
    auto page = Raw(srv).Get("/__dev-oauth/authorize?" + server::social::FormEncode(query));
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->body.find("ada@example.com") != std::string::npos);
    CHECK(page->body.find("&lt;b&gt;Eve&lt;/b&gt;") != std::string::npos);
    CHECK(page->body.find("<b>Eve") == std::string::npos);
    server::social::Params pick = query;
    pick.emplace_back("sub", eve["sub"].get<std::string>());
    auto chosen = srv.client().Post("/__dev-oauth/authorize", server::social::FormEncode(pick),
                                    "application/x-www-form-urlencoded");
    REQUIRE(chosen);
    CHECK(chosen->status == 302);
    const std::string code = QueryValue(chosen->get_header_value("Location"), "code");
    auto tokens = srv.client().Post("/__dev-oauth/token", {{"Authorization", "Basic YzE6czE="}},  // c1:s1
                                    server::social::FormEncode({{"grant_type", "authorization_code"},
                                                                {"code", code},
                                                                {"redirect_uri", kRedirect}}),
                                    "application/x-www-form-urlencoded");
    const json answer = JsonOf(tokens);
    const httplib::Headers bearer = {{"Authorization", "Bearer " + answer["access_token"].get<std::string>()}};
    CHECK(JsonOf(srv.client().Get("/__dev-oauth/userinfo", bearer))["email"] == "eve@example.com");
    server::social::Params made = query;
    made.emplace_back("email", "New@Example.com");
    auto created = srv.client().Post("/__dev-oauth/authorize", server::social::FormEncode(made),
                                     "application/x-www-form-urlencoded");
    REQUIRE(created);
    CHECK(created->status == 302);
  }

  TEST_CASE("dev provider: a code is single-use, PKCE-bound, short-lived, for its client only") {
    TestServer srv(SocialOptions());
    Client c(srv);
    CHECK(ErrorOf(c.Token(c.Code(), "wrong-verifier-" + kVerifier), 400) == "invalid_grant");
    CHECK(ErrorOf(c.Token(c.Code(), kVerifier, "wrong-secret"), 401) == "invalid_client");
    const std::string code = c.Code();
    const json tokens = JsonOf(c.Token(code, kVerifier));
    CHECK(tokens["token_type"] == "Bearer");
    CHECK(tokens["expires_in"] == 3600);
    CHECK(tokens["scope"] == "openid email");
    CHECK(tokens.contains("id_token"));
    const httplib::Headers bearer = {{"Authorization", "Bearer " + tokens["access_token"].get<std::string>()}};
    CHECK(JsonOf(srv.client().Get("/__dev-oauth/userinfo", bearer))["email"] == "ada@example.com");
    // A replayed code is refused and revokes the tokens it gave.
    CHECK(ErrorOf(c.Token(code, kVerifier), 400) == "invalid_grant");
    auto revoked = srv.client().Get("/__dev-oauth/userinfo", bearer);
    REQUIRE(revoked);
    CHECK(revoked->status == 401);
    const std::string late = c.Code();
    srv.clock().Advance(61'000);
    CHECK(ErrorOf(c.Token(late, kVerifier), 400) == "invalid_grant");
    CHECK(ErrorOf(c.Token("no-such-code", kVerifier), 400) == "invalid_grant");
  }

  TEST_CASE("dev provider: a refresh token is single-use, for its client, and gives the next one") {
    TestServer srv(SocialOptions());
    Client c(srv);
    const std::string first = JsonOf(c.Token(c.Code(), kVerifier))["refresh_token"];
    CHECK(ErrorOf(c.Refresh(first, "wrong-secret"), 401) == "invalid_client");
    const json next = JsonOf(c.Refresh(first));
    CHECK(next["token_type"] == "Bearer");
    CHECK(!next.contains("id_token"));
    const httplib::Headers bearer = {{"Authorization", "Bearer " + next["access_token"].get<std::string>()}};
    CHECK(JsonOf(srv.client().Get("/__dev-oauth/userinfo", bearer))["email"] == "ada@example.com");
    CHECK(ErrorOf(c.Refresh(first), 400) == "invalid_grant");  // spent
    CHECK(JsonOf(c.Refresh(next["refresh_token"])).contains("access_token"));
    CHECK(ErrorOf(c.Refresh("no-such-token"), 400) == "invalid_grant");
  }

  TEST_CASE("dev provider: GitHub's /user and /user/emails and Discord's /users/@me for the stand-ins") {
    TestServer srv(SocialOptions());
    Client c(srv);
    const json tokens = JsonOf(c.Token(c.Code(), kVerifier));
    const httplib::Headers bearer = {{"Authorization", "Bearer " + tokens["access_token"].get<std::string>()}};
    const json user = JsonOf(srv.client().Get("/__dev-oauth/github/user", bearer));
    CHECK(user["id"] == 100001);
    CHECK(user["login"] == "ada");
    CHECK(user["email"] == "ada@example.com");
    const json emails = JsonOf(srv.client().Get("/__dev-oauth/github/user/emails", bearer));
    REQUIRE(emails.size() == 1);
    CHECK(emails[0]["primary"] == true);
    CHECK(emails[0]["verified"] == true);
    const json discord = JsonOf(srv.client().Get("/__dev-oauth/discord/users/@me", bearer));
    CHECK(discord["id"] == std::to_string(int64_t{100001} << 22));
    CHECK(discord["discriminator"] == "0");
    CHECK(discord["verified"] == true);
    for (const char* path : {"/__dev-oauth/github/user", "/__dev-oauth/discord/users/@me"}) {
      auto refused = srv.client().Get(path, {{"Authorization", "Bearer not-a-token"}});
      REQUIRE(refused);
      CHECK(refused->status == 401);
    }
  }

  TEST_CASE("dev provider: id_token is RS256 under its JWKS, for the client") {
    TestServer srv(SocialOptions());
    Client c(srv);
    const json tokens = JsonOf(c.Token(c.Code(), kVerifier));
    const std::string id_token = tokens["id_token"];
    const json header = JwtPart(id_token, 0);
    const json claims = JwtPart(id_token, 1);
    CHECK(header["alg"] == "RS256");
    CHECK(claims["aud"] == "c1");
    CHECK(claims["iss"] == srv.origin() + "/__dev-oauth");
    CHECK(claims["email"] == "ada@example.com");
    const json jwks = JsonOf(srv.client().Get("/__dev-oauth/jwks"));
    CHECK(jwks["keys"][0]["kid"] == header["kid"]);
    const json discovery = JsonOf(srv.client().Get("/__dev-oauth/.well-known/openid-configuration"));
    CHECK(discovery["issuer"] == claims["iss"]);
    CHECK(discovery["jwks_uri"] == srv.origin() + "/__dev-oauth/jwks");
  }

  TEST_CASE("flow: github through the stand-in makes a user, an account and a session") {
    TestServer srv(SocialOptions());
    Client c(srv);
    auto [url, cookie] = StartGithub(srv);
    const std::string callback = AuthorizeGithub(srv, url);
    CHECK(callback.rfind(srv.origin() + "/api/auth/callback/github?code=", 0) == 0);
    auto res = Raw(srv).Get(PathOf(callback), {{"Cookie", cookie}});
    REQUIRE(res);
    CHECK(res->status == 302);
    CHECK(res->get_header_value("Location") == "/done");
    const std::string session = CookieOf(res, "better-auth.session_token");
    REQUIRE(!session.empty());
    const json accounts = JsonOf(srv.client().Get("/api/auth/list-accounts", {{"Cookie", session}}));
    REQUIRE(accounts.size() == 1);
    CHECK(accounts[0]["providerId"] == "github");
    CHECK(accounts[0]["accountId"] == "100001");  // GitHub's numeric id, read from /user
    CHECK(accounts[0]["scopes"] == json::array({"read:user", "user:email"}));
    const json me = JsonOf(srv.client().Get("/api/auth/get-session", {{"Cookie", session}}));
    CHECK(me["user"]["email"] == "ada@example.com");
    CHECK(me["user"]["emailVerified"] == true);
    // Its only account cannot be unlinked.
    auto unlink = srv.client().Post("/api/auth/unlink-account",
                                    {{"Cookie", session}, {"Origin", srv.origin()}},
                                    json{{"accountId", accounts[0]["id"]}}.dump(), "application/json");
    REQUIRE(unlink);
    CHECK(unlink->status == 400);
    CHECK(json::parse(unlink->body)["code"] == "FAILED_TO_UNLINK_LAST_ACCOUNT");
  }

  TEST_CASE("get-access-token refreshes an access token within 5 s of its expiry, and refresh-token rotates") {
    TestServer srv(SocialOptions());
    Client c(srv);
    auto [url, cookie] = StartGithub(srv);
    auto res = Raw(srv).Get(PathOf(AuthorizeGithub(srv, url)), {{"Cookie", cookie}});
    REQUIRE(res);
    const std::string session = CookieOf(res, "better-auth.session_token");
    REQUIRE(!session.empty());
    const json accounts = JsonOf(srv.client().Get("/api/auth/list-accounts", {{"Cookie", session}}));
    REQUIRE(accounts.size() == 1);
    const std::string body = json{{"accountId", accounts[0]["id"]}}.dump();
    const httplib::Headers headers = {{"Cookie", session}, {"Origin", srv.origin()}};
    auto token = [&](const char* path) {
      return JsonOf(srv.client().Post(path, headers, body, "application/json"));
    };
    const json first = token("/api/auth/get-access-token");
    CHECK(first["scopes"] == json::array({"read:user", "user:email"}));
    CHECK(token("/api/auth/get-access-token")["accessToken"] == first["accessToken"]);  // still valid
    srv.clock().Advance((server::social::DevProvider::kAccessTokenTtlS - 4) * 1000);
    const json renewed = token("/api/auth/get-access-token");
    CHECK(renewed["accessToken"] != first["accessToken"]);
    CHECK(renewed["accessTokenExpiresAt"] > first["accessTokenExpiresAt"]);
    const httplib::Headers bearer = {{"Authorization", "Bearer " + renewed["accessToken"].get<std::string>()}};
    CHECK(JsonOf(srv.client().Get("/__dev-oauth/github/user", bearer))["id"] == 100001);
    const json rotated = token("/api/auth/refresh-token");
    CHECK(rotated["providerId"] == "github");
    CHECK(rotated["accountId"] == accounts[0]["id"]);
    CHECK(rotated["scope"] == "read:user,user:email");
    CHECK(rotated["idToken"].is_null());
    CHECK(token("/api/auth/get-access-token")["accessToken"] == rotated["accessToken"]);
    CHECK(token("/api/auth/refresh-token")["refreshToken"] != rotated["refreshToken"]);
  }

  TEST_CASE("flow: a wrong, reused or cookieless state and a missing code are refused") {
    TestServer srv(SocialOptions());
    Client c(srv);
    const std::string error = srv.origin() + "/api/auth/error?error=";
    auto [url, cookie] = StartGithub(srv);
    const std::string callback = PathOf(AuthorizeGithub(srv, url));
    CHECK(CallbackLocation(srv, "/api/auth/callback/github?code=x", cookie) == error + "state_not_found");
    CHECK(CallbackLocation(srv, "/api/auth/callback/github?code=x&state=forged", cookie) ==
          error + "state_mismatch");
    CHECK(CallbackLocation(srv, callback, "") == error + "state_mismatch");
    CHECK(CallbackLocation(srv, callback, cookie) == "/done");
    CHECK(CallbackLocation(srv, callback, cookie) == error + "state_mismatch");  // used once
    auto [url2, cookie2] = StartGithub(srv);
    const std::string state = QueryValue(url2, "state");
    CHECK(CallbackLocation(srv, "/api/auth/callback/github?state=" + state, cookie2) ==
          error + "no_code");
  }

  TEST_CASE("link-social adds the provider account to the signed-in user, unlink-account removes it") {
    TestServer srv(SocialOptions());
    Client c(srv);
    const json made = Post(srv, "/__test/sessions",
                           {{"email", "ada@example.com"}, {"password", "correct horse battery"},
                            {"emailVerified", true}});
    const std::string session = made["cookie"];
    auto start = srv.client().Post("/api/auth/link-social", {{"Cookie", session}, {"Origin", srv.origin()}},
                                   R"({"provider":"github","callbackURL":"/linked"})", "application/json");
    const json started = JsonOf(start);
    const std::string state_cookie = CookieOf(start, "better-auth.state");
    const std::string callback = PathOf(AuthorizeGithub(srv, started["url"]));
    CHECK(CallbackLocation(srv, callback, state_cookie) == "/linked");
    const json accounts = JsonOf(srv.client().Get("/api/auth/list-accounts", {{"Cookie", session}}));
    REQUIRE(accounts.size() == 2);
    std::string github_id;
    for (const json& account : accounts) {
      if (account["providerId"] == "github") github_id = account["id"];
    }
    REQUIRE(!github_id.empty());
    const json unlinked = JsonOf(srv.client().Post(
        "/api/auth/unlink-account", {{"Cookie", session}, {"Origin", srv.origin()}},
        json{{"accountId", github_id}}.dump(), "application/json"));
    CHECK(unlinked["status"] == true);
    CHECK(JsonOf(srv.client().Get("/api/auth/list-accounts", {{"Cookie", session}})).size() == 1);
    const json missing = JsonOf(srv.client().Post(
        "/api/auth/unlink-account", {{"Cookie", session}, {"Origin", srv.origin()}},
        json{{"accountId", github_id}}.dump(), "application/json"), 400);
    CHECK(missing["code"] == "FAILED_TO_UNLINK_LAST_ACCOUNT");
  }

  TEST_CASE("link-social refuses a provider account whose email is another one") {
    TestServer srv(SocialOptions());
    Client c(srv);
    Post(srv, "/__test/dev-oauth/users", {{"email", "eve@example.com"}, {"select", true}});
    const json made = Post(srv, "/__test/sessions", {{"email", "ada@example.com"}});
    const std::string session = made["cookie"];
    auto start = srv.client().Post("/api/auth/link-social", {{"Cookie", session}, {"Origin", srv.origin()}},
                                   R"({"provider":"github","callbackURL":"/linked"})", "application/json");
    const json started = JsonOf(start);
    const std::string callback = PathOf(AuthorizeGithub(srv, started["url"]));
    CHECK(CallbackLocation(srv, callback, CookieOf(start, "better-auth.state")) ==
          srv.origin() + "/api/auth/error?error=email_does_not_match");
  }

  TEST_CASE("flow: untrusted errorCallbackURL and newUserCallbackURL are 403, as callbackURL") {
    TestServer srv(SocialOptions());
    json body = Post(srv, "/api/auth/sign-in/social",
                     {{"provider", "github"}, {"errorCallbackURL", "https://evil.test/x"}}, 403);
    CHECK(body["code"] == "INVALID_ERROR_CALLBACK_URL");
    body = Post(srv, "/api/auth/sign-in/social",
                {{"provider", "github"}, {"newUserCallbackURL", "https://evil.test/x"}}, 403);
    CHECK(body["code"] == "INVALID_NEW_USER_CALLBACK_URL");
    body = Post(srv, "/api/auth/sign-in/social",
                {{"provider", "github"}, {"callbackURL", "https://evil.test/x"}}, 403);
    CHECK(body["code"] == "INVALID_CALLBACK_URL");
  }

  TEST_CASE("flow: an unknown provider is 404 PROVIDER_NOT_FOUND") {
    TestServer srv(SocialOptions());
    const json body = Post(srv, "/api/auth/sign-in/social", {{"provider", "gitlab"}}, 404);
    CHECK(body["code"] == "PROVIDER_NOT_FOUND");
    CHECK(body["message"] == "Provider not found");
  }
}

}  // namespace issuer::testing

namespace issuer::testing {

TEST_SUITE("social") {
  TEST_CASE("--dev-oauth is refused on a non-loopback host and in production") {
    const CommandResult open_host = RunCommand(
        {kIssuerBin, "--port", "0", "--db", ":memory:", "--host", "0.0.0.0", "--dev-oauth"},
        {kIssuerSecret});
    CHECK(open_host.exit_code == 2);
    CHECK(open_host.err.find("--dev-oauth needs a loopback --host") != std::string::npos);
    const CommandResult production =
        RunCommand({kIssuerBin, "--port", "0", "--db", ":memory:", "--dev-oauth"},
                   {kIssuerSecret, "NODE_ENV=production"});
    CHECK(production.exit_code == 2);
    CHECK(production.err.find("--dev-oauth is refused with NODE_ENV=production") !=
          std::string::npos);
  }

  TEST_CASE("socialProviders without credentials (no --dev-oauth), or unknown ones, stop the start with a reason") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"socialProviders": {"github": {"clientId": "a"}}})",
         "socialProviders.github.clientSecret: github needs clientId and clientSecret"},
        {R"({"socialProviders": {"discord": {}}})",
         "socialProviders.discord.clientSecret: discord needs clientId and clientSecret"},
        {R"({"socialProviders": {"gitlab": {}}})", "socialProviders.gitlab: not served"},
        {R"({"plugins": {"genericOAuth": {"config": [{"providerId": "x"}]}}})",
         "plugins.genericOAuth.config[0].clientId: required"},
        {R"({"account": {"storeStateStrategy": "cookie"}})", "account.storeStateStrategy"}};
    for (const auto& [text, reason] : cases) {
      const std::string shown = reason;
      CAPTURE(shown);
      const std::string file = WriteTempFile("social-refused.json", text);
      const CommandResult r = RunCommand(
          {kIssuerBin, "--port", "0", "--db", ":memory:", "--config", file}, {kIssuerSecret});
      CHECK(r.exit_code == 2);
      CHECK(r.err.find(reason) != std::string::npos);
    }
  }
}

}  // namespace issuer::testing
