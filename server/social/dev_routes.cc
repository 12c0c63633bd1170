#include "server/social/dev_routes.h"

#include <variant>

#include <nlohmann/json.hpp>

#include "server/auth/form.h"
#include "server/fixture/test_api.h"
#include "server/http/loopback.h"
#include "server/http/reply.h"
#include "server/social/dev_page.h"
#include "server/social/oauth_url.h"

namespace issuer::server::social {
namespace {

using nlohmann::ordered_json;
constexpr char kPrefix[] = "/__dev-oauth";

HttpReply Html(int status, std::string body) {
  HttpReply reply{status, std::move(body), "text/html; charset=utf-8", {}};
  reply.AddHeader("Cache-Control", "no-store");
  return reply;
}

HttpReply Found(const std::string& location) {
  HttpReply reply{302, "", "", {}};
  reply.AddHeader("Location", location);
  return reply;
}

std::map<std::string, std::string> FormOf(const HttpRequest& request) {
  std::map<std::string, std::string> out;
  if (auto fields = auth::ParseFormUrlEncoded(request.body)) {
    for (auto& [name, value] : *fields) out[name] = value;
  }
  return out;
}

HttpReply Discovery(AuthContext& ctx, DevProvider&, const HttpRequest& request) {
  const std::string issuer = DevIssuer(ctx, request);
  const ordered_json doc = {
      {"issuer", issuer},
      {"authorization_endpoint", issuer + "/authorize"},
      {"token_endpoint", issuer + "/token"},
      {"userinfo_endpoint", issuer + "/userinfo"},
      {"jwks_uri", issuer + "/jwks"},
      {"response_types_supported", {"code"}},
      {"subject_types_supported", {"public"}},
      {"id_token_signing_alg_values_supported", {"RS256"}},
      {"scopes_supported", {"openid", "email", "profile"}},
      {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}},
      {"grant_types_supported", {"authorization_code"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"claims_supported", {"sub", "email", "email_verified", "name"}}};
  return JsonReply(doc.dump());
}

// The authorize request in `params` (the query, or the page's form), answered for `user`
// (nullopt: the login page).
HttpReply Authorize(AuthContext& ctx, DevProvider& provider, const HttpRequest& request,
                    const std::map<std::string, std::string>& params,
                    const std::optional<DevUser>& user) {
  auto checked = provider.CheckClient(params, SiteOf(ctx.config, request).origin);
  if (!checked.ok()) return Html(400, ErrorPage(checked.error().message));
  const AuthorizeRequest& in = *checked;
  Params back;
  if (auto error = DevProvider::CheckRequest(params)) back.emplace_back("error", *error);
  if (back.empty() && !user) {
    return Html(200, AuthorizePage(kPrefix + std::string("/authorize"), params, provider.Users()));
  }
  if (back.empty()) back.emplace_back("code", provider.IssueCode(in, *user));
  if (!in.state.empty()) back.emplace_back("state", in.state);
  return Found(AppendQuery(in.redirect_uri, back));
}

HttpReply GetAuthorize(AuthContext& ctx, DevProvider& provider, const HttpRequest& request) {
  return Authorize(ctx, provider, request, request.query, provider.Selected());
}

HttpReply PostAuthorize(AuthContext& ctx, DevProvider& provider, const HttpRequest& request) {
  const std::map<std::string, std::string> form = FormOf(request);
  std::optional<DevUser> user;
  if (auto sub = form.find("sub"); sub != form.end()) user = provider.FindUser(sub->second);
  auto email = form.find("email");
  if (!user && email != form.end() && email->second.find('@') != std::string::npos) {
    auto name = form.find("name");
    const bool named = name != form.end() && !name->second.empty();
    user = provider.AddUser(email->second, named ? name->second : email->second, true);
  }
  if (!user) return Html(400, ErrorPage("pick a user or give an email"));
  return Authorize(ctx, provider, request, form, user);
}

HttpReply Token(AuthContext& ctx, DevProvider& provider, const HttpRequest& request) {
  TokenRequest in{FormOf(request), request.Header("authorization")};
  TokenAnswer answer = provider.Exchange(in, DevIssuer(ctx, request));
  HttpReply reply{answer.status, std::move(answer.body), "application/json", {}};
  reply.AddHeader("Cache-Control", "no-store");
  if (answer.status == 401) reply.AddHeader("WWW-Authenticate", "Basic realm=\"dev-oauth\"");
  return reply;
}

// The user of the request's bearer token, or the 401 a resource server answers.
std::variant<DevUser, HttpReply> BearerUser(const DevProvider& provider, const HttpRequest& request) {
  const std::string header = request.Header("authorization").value_or("");
  std::optional<DevUser> user;
  if (header.rfind("Bearer ", 0) == 0) user = provider.UserForToken(header.substr(7));
  if (user) return *user;
  HttpReply reply{401, R"({"error":"invalid_token"})", "application/json", {}};
  reply.AddHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return reply;
}

HttpReply UserInfo(AuthContext&, DevProvider& provider, const HttpRequest& request) {
  auto found = BearerUser(provider, request);
  if (auto* refused = std::get_if<HttpReply>(&found)) return *refused;
  const DevUser& user = std::get<DevUser>(found);
  return JsonReply(ordered_json{{"sub", user.sub},
                                {"email", user.email},
                                {"email_verified", user.email_verified},
                                {"name", user.name}}
                       .dump());
}

std::string LocalPart(const std::string& email) { return email.substr(0, email.find('@')); }

// GitHub's GET /user and /user/emails for the github stand-in (the fields Better Auth reads).
HttpReply GithubUser(AuthContext&, DevProvider& provider, const HttpRequest& request) {
  auto found = BearerUser(provider, request);
  if (auto* refused = std::get_if<HttpReply>(&found)) return *refused;
  const DevUser& user = std::get<DevUser>(found);
  return JsonReply(ordered_json{{"login", LocalPart(user.email)},
                                {"id", user.number},
                                {"avatar_url", nullptr},
                                {"type", "User"},
                                {"name", user.name},
                                {"email", user.email}}
                       .dump());
}

HttpReply GithubEmails(AuthContext&, DevProvider& provider, const HttpRequest& request) {
  auto found = BearerUser(provider, request);
  if (auto* refused = std::get_if<HttpReply>(&found)) return *refused;
  const DevUser& user = std::get<DevUser>(found);
  return JsonReply(ordered_json::array({ordered_json{{"email", user.email},
                                                     {"primary", true},
                                                     {"verified", user.email_verified},
                                                     {"visibility", "public"}}})
                       .dump());
}

// Discord's GET /users/@me for the discord stand-in: a snowflake id, no avatar.
HttpReply DiscordUser(AuthContext&, DevProvider& provider, const HttpRequest& request) {
  auto found = BearerUser(provider, request);
  if (auto* refused = std::get_if<HttpReply>(&found)) return *refused;
  const DevUser& user = std::get<DevUser>(found);
  return JsonReply(ordered_json{{"id", std::to_string(user.number << 22)},
                                {"username", LocalPart(user.email)},
                                {"global_name", user.name},
                                {"discriminator", "0"},
                                {"avatar", nullptr},
                                {"email", user.email},
                                {"verified", user.email_verified}}
                       .dump());
}

HttpReply Jwks(AuthContext&, DevProvider& provider, const HttpRequest&) {
  return JsonReply(provider.JwksJson());
}

HttpReply AddUser(AuthContext&, DevProvider& provider, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  const nlohmann::json& in = std::get<nlohmann::json>(body);
  if (!in.contains("email") || !in["email"].is_string() ||
      in["email"].get<std::string>().find('@') == std::string::npos) {
    return Invalid("email: expected an email address");
  }
  const std::string email = in["email"];
  if (in.contains("name") && !in["name"].is_string()) return Invalid("name: expected a string");
  const std::string name = in.contains("name") ? in["name"].get<std::string>() : email;
  const bool verified = in.contains("emailVerified") ? in["emailVerified"] == true : true;
  const DevUser user = provider.AddUser(email, name, verified);
  if (in.contains("select") && in["select"] == true) provider.Select(user.sub);
  return JsonReply(ordered_json{{"sub", user.sub}, {"email", user.email}, {"name", user.name},
                                {"emailVerified", user.email_verified}}
                       .dump());
}

HttpReply ClearSelection(AuthContext&, DevProvider& provider, const HttpRequest&) {
  provider.Select(std::nullopt);
  return JsonReply(R"({"status":true})");
}

HttpReply AddClient(AuthContext&, DevProvider& provider, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  const nlohmann::json& in = std::get<nlohmann::json>(body);
  DevClient client;
  if (!in.contains("clientId") || !in["clientId"].is_string() || !in.contains("clientSecret") ||
      !in["clientSecret"].is_string() || !in.contains("redirectURIs") ||
      !in["redirectURIs"].is_array()) {
    return Invalid("expected {clientId, clientSecret, redirectURIs: [..]}");
  }
  client.client_id = in["clientId"];
  client.client_secret = in["clientSecret"];
  for (const auto& uri : in["redirectURIs"]) {
    if (!uri.is_string()) return Invalid("redirectURIs: expected strings");
    client.redirect_uris.push_back(uri);
  }
  provider.RegisterClient(std::move(client));
  return JsonReply(R"({"status":true})");
}

using Handler = HttpReply (*)(AuthContext&, DevProvider&, const HttpRequest&);
struct Entry {
  const char* method;
  const char* path;
  Handler handler;
};

std::vector<Route> MakeRoutes(AuthContext& ctx, DevProvider& provider, const Entry* entries,
                              size_t count, bool test_api) {
  std::vector<Route> routes;
  for (size_t i = 0; i < count; ++i) {
    Handler handler = entries[i].handler;
    routes.push_back(Route{entries[i].method, entries[i].path,
                           [&ctx, &provider, handler, test_api](const HttpRequest& request) {
                             if (test_api) {
                               if (auto refused = RefuseTestApiRequest(ctx, request)) return *refused;
                             } else if (!IsLoopback(request.peer)) {
                               return HttpReply{404, "", "", {}};
                             }
                             return handler(ctx, provider, request);
                           },
                           /*allow_form=*/!test_api, entries[i].path});
  }
  return routes;
}

}  // namespace

std::string DevIssuer(const AuthContext& ctx, const HttpRequest& request) {
  return SiteOf(ctx.config, request).origin + kPrefix;
}

std::vector<Route> DevOAuthRoutes(AuthContext& ctx, DevProvider& provider) {
  static constexpr Entry kEntries[] = {
      {"GET", "/__dev-oauth/.well-known/openid-configuration", &Discovery},
      {"GET", "/__dev-oauth/authorize", &GetAuthorize},
      {"POST", "/__dev-oauth/authorize", &PostAuthorize},
      {"POST", "/__dev-oauth/token", &Token},
      {"GET", "/__dev-oauth/userinfo", &UserInfo},
      {"GET", "/__dev-oauth/github/user", &GithubUser},
      {"GET", "/__dev-oauth/github/user/emails", &GithubEmails},
      {"GET", "/__dev-oauth/discord/users/@me", &DiscordUser},
      {"GET", "/__dev-oauth/jwks", &Jwks}};
  return MakeRoutes(ctx, provider, kEntries, std::size(kEntries), false);
}

std::vector<Route> DevOAuthTestRoutes(AuthContext& ctx, DevProvider& provider) {
  static constexpr Entry kEntries[] = {{"POST", "/__test/dev-oauth/users", &AddUser},
                                       {"DELETE", "/__test/dev-oauth/select", &ClearSelection},
                                       {"POST", "/__test/dev-oauth/clients", &AddClient}};
  return MakeRoutes(ctx, provider, kEntries, std::size(kEntries), true);
}

}  // namespace issuer::server::social
