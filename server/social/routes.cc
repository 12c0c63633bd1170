// Better Auth's signInSocial, callbackOAuth, linkSocialAccount and unlinkAccount.
#include "server/social/routes.h"

#include <variant>

#include "common/ids.h"
#include "server/auth/form.h"
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"
#include "server/session/session_cookies.h"
#include "server/social/accounts.h"
#include "server/social/dev_routes.h"
#include "server/social/oauth_url.h"

namespace issuer::server::social {
namespace {

using nlohmann::json;

const std::vector<FieldSpec>& SocialFields() {
  static const std::vector<FieldSpec> fields = {
      {"callbackURL", FieldType::kString, false},   {"newUserCallbackURL", FieldType::kString, false},
      {"errorCallbackURL", FieldType::kString, false},
      {"disableRedirect", FieldType::kBoolean, false}, {"requestSignUp", FieldType::kBoolean, false},
      {"loginHint", FieldType::kString, false}};
  return fields;
}

std::optional<std::string> Text(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::vector<std::string> Scopes(const ProviderSpec& spec, const Endpoints& endpoints,
                                const json& body) {
  std::vector<std::string> requested;
  if (auto it = body.find("scopes"); it != body.end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_string()) requested.push_back(s);
    }
  }
  // Built-in providers: defaults, then the request's; genericOAuth: the request's, then the
  // config's, with openid first for an OIDC provider.
  std::vector<std::string> out = spec.generic ? requested : spec.scopes;
  const std::vector<std::string>& rest = spec.generic ? spec.scopes : requested;
  out.insert(out.end(), rest.begin(), rest.end());
  out.insert(out.end(), spec.late_scopes.begin(), spec.late_scopes.end());
  if (spec.generic && endpoints.oidc && std::find(out.begin(), out.end(), "openid") == out.end()) {
    out.insert(out.begin(), "openid");
  }
  return out;
}

std::string RedirectUri(SocialService& s, const Site& site, const ProviderSpec& spec) {
  return BaseUrl(s.ctx, site) + "/callback/" + spec.id;
}

// createAuthorizationURL's parameters, in its order.
Params AuthorizationParams(SocialService& s, const Site& site, const ProviderSpec& spec,
                           const Endpoints& endpoints, const json& body, const StateData& data,
                           const std::string& state) {
  Params params = {{"response_type", "code"}, {"client_id", spec.client_id}, {"state", state}};
  const std::vector<std::string> scopes = Scopes(spec, endpoints, body);
  if (!scopes.empty()) params.emplace_back("scope", Join(scopes, " "));
  params.emplace_back("redirect_uri", RedirectUri(s, site, spec));
  if (auto hint = Text(body, "loginHint"); spec.sends_login_hint && hint && !hint->empty()) {
    params.emplace_back("login_hint", *hint);
  }
  if (!data.id_token_nonce.empty()) params.emplace_back("nonce", data.id_token_nonce);
  if (!spec.prompt.empty()) params.emplace_back("prompt", spec.prompt);
  if (!spec.access_type.empty()) params.emplace_back("access_type", spec.access_type);
  if (spec.pkce) {
    params.emplace_back("code_challenge_method", "S256");
    params.emplace_back("code_challenge", CodeChallenge(data.code_verifier));
  }
  params.insert(params.end(), spec.extra_params.begin(), spec.extra_params.end());
  return params;
}

// The authorization URL for a new state (sign-in/social and link-social): {url, redirect}.
HttpReply Authorize(SocialService& s, const HttpRequest& request, const Site& site,
                    const ProviderSpec& spec, const json& body, StateData data, HttpReply reply) {
  auto endpoints = s.providers.Resolve(spec, DevIssuer(s.ctx, request));
  if (!endpoints.ok()) {
    s.ctx.log.Warn("oauth_provider_unavailable", "provider=" + spec.id);
    return WithError(std::move(reply), ApiError::Custom(404, "PROVIDER_NOT_FOUND", "Provider not found"));
  }
  data.callback_url = Text(body, "callbackURL").value_or(site.origin);
  if (data.callback_url.empty()) data.callback_url = site.origin;
  data.error_url = Text(body, "errorCallbackURL");
  data.new_user_url = Text(body, "newUserCallbackURL");
  if (body.contains("requestSignUp")) data.request_sign_up = body["requestSignUp"] == true;
  if (endpoints->VerifiesIdToken()) data.id_token_nonce = GenerateId(s.ctx.random, 32);
  auto state = GenerateState(s.ctx, site, &data, &reply);
  if (!state.ok()) return WithError(std::move(reply), LoggedFailure(s.ctx, state.error()));
  const Params params = AuthorizationParams(s, site, spec, *endpoints, body, data, *state);
  const std::string url = AppendQuery(endpoints->authorization, params);
  const bool redirect = body.value("disableRedirect", false) != true;
  if (redirect) reply.AddHeader("Location", url);
  reply.body = Dump(OrderedJson{{"url", url}, {"redirect", redirect}});
  return reply;
}

// The origin middleware's check of errorCallbackURL and newUserCallbackURL (callbackURL is
// checked with the body): a trusted origin or a relative path, else 403.
std::optional<ApiError> CheckRedirectTargets(SocialService& s, const Site& site, const json& body) {
  if (!s.ctx.config.origin_check_enabled()) return std::nullopt;
  for (const char* name : {"errorCallbackURL", "newUserCallbackURL"}) {
    const auto url = Text(body, name);
    if (!url || url->empty() || TrustedTarget(s.ctx, site, *url)) continue;
    const bool error = std::string_view(name) == "errorCallbackURL";
    return ApiError::Custom(403, error ? "INVALID_ERROR_CALLBACK_URL" : "INVALID_NEW_USER_CALLBACK_URL",
                            std::string("Invalid ") + name);
  }
  return std::nullopt;
}

// The provider a body names, or the error Better Auth answers.
std::variant<const ProviderSpec*, ApiError> BodyProvider(SocialService& s, const Site& site,
                                                         const json& body) {
  if (auto refused = CheckRedirectTargets(s, site, body)) return *refused;
  // zod's union (a known provider id, or any string) says only "Invalid input".
  if (!body.contains("provider") || !body["provider"].is_string()) {
    return ApiError{ApiCode::kValidationError, "[body.provider] Invalid input"};
  }
  const ProviderSpec* spec = s.providers.Find(body.value("provider", ""));
  if (spec == nullptr) return ApiError::Custom(404, "PROVIDER_NOT_FOUND", "Provider not found");
  return spec;
}

// A provider that can verify an id_token the client brings: genericOAuth with a discovery
// document that names a JWKS and an issuer.
std::optional<Endpoints> IdTokenEndpoints(SocialService& s, const HttpRequest& request,
                                          const ProviderSpec& spec) {
  if (!spec.generic || spec.discovery_url.empty()) return std::nullopt;
  auto endpoints = s.providers.Resolve(spec, DevIssuer(s.ctx, request));
  if (!endpoints.ok() || !endpoints->VerifiesIdToken()) return std::nullopt;
  return *endpoints;
}

// sign-in/social with `idToken: {token, nonce?, accessToken?, refreshToken?}`: no redirect;
// the verified token's user is found, linked or made, and signed in at once.
HttpReply SignInWithIdToken(SocialService& s, const HttpRequest& request, const Site& site,
                            const ProviderSpec& spec, const json& body) {
  const json& in = body["idToken"];
  auto text = [&in](const char* name) {
    return in.contains(name) && in[name].is_string() ? in[name].get<std::string>() : std::string();
  };
  if (!in.is_object() || !in.contains("token") || !in["token"].is_string()) {
    return ErrorReply({ApiCode::kValidationError, "[body.idToken.token] Invalid input: expected string, received undefined"});
  }
  for (const char* name : {"nonce", "accessToken", "refreshToken"}) {
    if (in.contains(name) && !in[name].is_string()) {  // never verified without its nonce
      return ErrorReply({ApiCode::kValidationError,
                         std::string("[body.idToken.") + name + "] Invalid input: expected string"});
    }
  }
  auto endpoints = IdTokenEndpoints(s, request, spec);
  if (!endpoints) return ErrorReply(ApiError::Custom(404, "ID_TOKEN_NOT_SUPPORTED", "id_token not supported"));
  auto profile = ProfileFromIdToken(s.http, spec, *endpoints, text("token"), text("nonce"),
                                    s.ctx.clock.NowMs());
  if (!profile) return ErrorReply(ApiError::Custom(401, "INVALID_TOKEN", "Invalid token"));
  if (!profile->email || profile->email->empty()) {
    return ErrorReply(ApiError::Custom(401, "USER_EMAIL_NOT_FOUND", "User email not found"));
  }
  Exchanged oauth;
  oauth.profile = std::move(*profile);
  oauth.tokens.id_token = text("token");
  if (!text("accessToken").empty()) oauth.tokens.access_token = text("accessToken");
  const bool disable_sign_up =
      (spec.disable_implicit_sign_up && body.value("requestSignUp", false) != true) || spec.disable_sign_up;
  auto result = FindOrCreateUser(s, spec, oauth, disable_sign_up, /*allow_override=*/false);
  if (auto* error = std::get_if<std::string>(&result)) {
    return ErrorReply(ApiError::Custom(401, "OAUTH_LINK_ERROR", *error));
  }
  OAuthSignIn signed_in = std::get<OAuthSignIn>(std::move(result));
  auto started = StartSession(s.ctx, &signed_in.user, request, /*remember=*/true);
  if (auto* error = std::get_if<ApiError>(&started)) return ErrorReply(*error);
  const storage::SessionRow& session = std::get<storage::SessionRow>(started);
  if (Status st = s.ctx.repo.InsertSession(session); !st.ok()) {
    return ErrorReply(LoggedFailure(s.ctx, st.error()));
  }
  HttpReply reply = JsonReply(Dump(OrderedJson{{"redirect", false},
                                               {"token", session.token},
                                               {"user", UserJson(signed_in.user)}}));
  SetSessionCookies(s.ctx, session, /*remember=*/true, site, &reply);
  AddBearerToken(site, &reply);
  return reply;
}

HttpReply SignInSocial(SocialService& s, const HttpRequest& request) {
  const Site site = SiteOf(s.ctx.config, request);
  auto read = ReadAccountBody(s.ctx, request, site, &SocialFields());
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  const json body = std::get<Body>(read).value_or(json::object());
  auto spec = BodyProvider(s, site, body);
  if (auto* error = std::get_if<ApiError>(&spec)) return ErrorReply(*error);
  if (body.contains("idToken")) {
    return SignInWithIdToken(s, request, site, *std::get<const ProviderSpec*>(spec), body);
  }
  return Authorize(s, request, site, *std::get<const ProviderSpec*>(spec), body, StateData{},
                   JsonReply(""));
}

HttpReply LinkSocial(SocialService& s, const HttpRequest& request) {
  const Site site = SiteOf(s.ctx.config, request);
  HttpReply reply = JsonReply("");
  Body body;
  auto session = StartAccountPost(s.ctx, request, site, &SocialFields(), &body, &reply);
  if (!session) return reply;
  const json in = body.value_or(json::object());
  auto spec = BodyProvider(s, site, in);
  if (auto* error = std::get_if<ApiError>(&spec)) return WithError(std::move(reply), *error);
  if (in.contains("idToken")) {  // linking by an id_token is not served
    return WithError(std::move(reply), ApiError::Custom(404, "ID_TOKEN_NOT_SUPPORTED", "id_token not supported"));
  }
  StateData data;
  data.link = LinkTarget{session->user.email, session->user.id};
  return Authorize(s, request, site, *std::get<const ProviderSpec*>(spec), in, std::move(data),
                   std::move(reply));
}

HttpReply UnlinkAccount(SocialService& s, const HttpRequest& request) {
  static const std::vector<FieldSpec> fields = {{"accountId", FieldType::kString, true}};
  const Site site = SiteOf(s.ctx.config, request);
  auto read = ReadAccountBody(s.ctx, request, site, &fields);
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  HttpReply reply = JsonReply("");
  auto found = RequireSession(s.ctx, request, site, SessionRule::kFresh, &reply);
  if (auto* error = std::get_if<ApiError>(&found)) return WithError(std::move(reply), *error);
  const std::string account_id = (*std::get<Body>(read))["accountId"];
  auto accounts = s.ctx.repo.ListAccounts(std::get<storage::SessionWithUser>(found).user.id);
  if (!accounts.ok()) return WithError(std::move(reply), LoggedFailure(s.ctx, accounts.error()));
  if (accounts->size() == 1 && !s.account.allow_unlinking_all) {
    return WithError(std::move(reply), ApiError::Custom(400, "FAILED_TO_UNLINK_LAST_ACCOUNT",
                                                        "You can't unlink your last account"));
  }
  auto it = std::find_if(accounts->begin(), accounts->end(),
                         [&account_id](const auto& a) { return a.row.id == account_id; });
  if (it == accounts->end()) {
    return WithError(std::move(reply), ApiError::Custom(400, "ACCOUNT_NOT_FOUND", "Account not found"));
  }
  auto deleted = s.ctx.repo.DeleteRows("account", {{"id", account_id}});
  if (!deleted.ok()) return WithError(std::move(reply), LoggedFailure(s.ctx, deleted.error()));
  reply.body = R"({"status":true})";
  AddBearerToken(site, &reply);
  return reply;
}

}  // namespace

HttpReply Callback(SocialService& s, const HttpRequest& request);        // callback.cc
HttpReply PostCallback(SocialService& s, const HttpRequest& request);    // callback.cc
HttpReply GetAccessToken(SocialService& s, const HttpRequest& request);  // tokens.cc
HttpReply RefreshToken(SocialService& s, const HttpRequest& request);    // tokens.cc
HttpReply AccountInfo(SocialService& s, const HttpRequest& request);     // tokens.cc

std::vector<Route> SocialRoutes(SocialService& service) {
  using Endpoint = HttpReply (*)(SocialService&, const HttpRequest&);
  struct Entry {
    const char* method;
    const char* path;
    Endpoint endpoint;
    bool allow_form;
  };
  static constexpr Entry kEntries[] = {{"POST", "/sign-in/social", &SignInSocial, false},
                                       {"GET", "/callback/", &Callback, false},
                                       {"POST", "/callback/", &PostCallback, true},
                                       {"POST", "/link-social", &LinkSocial, false},
                                       {"POST", "/unlink-account", &UnlinkAccount, false},
                                       {"POST", "/get-access-token", &GetAccessToken, false},
                                       {"POST", "/refresh-token", &RefreshToken, false},
                                       {"GET", "/account-info", &AccountInfo, false}};
  std::vector<Route> routes;
  const std::string& base = service.ctx.config.base_path;
  for (const Entry& e : kEntries) {
    Endpoint endpoint = e.endpoint;
    const std::string path = e.path;
    const bool param = path.back() == '/';
    routes.push_back(Route{e.method, base + path,
                           [&service, endpoint](const HttpRequest& r) { return endpoint(service, r); },
                           e.allow_form, param ? path + ":id" : path, param});
  }
  return routes;
}

}  // namespace issuer::server::social
