// GET /callback/:id: Better Auth's callbackOAuth (api/routes/callback.ts).
#include <variant>

#include "server/auth/form.h"
#include "server/http/reply.h"
#include "server/session/account_checks.h"
#include "server/session/session_cookies.h"
#include "server/social/accounts.h"
#include "server/social/dev_routes.h"
#include "server/social/oauth_url.h"
#include "server/social/routes.h"

namespace issuer::server::social {
namespace {

std::string Query(const HttpRequest& request, const char* name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? "" : it->second;
}

HttpReply RedirectError(HttpReply reply, const std::string& error_url, const std::string& error,
                        const std::string& description = "") {
  Params params = {{"error", error}};
  if (!description.empty()) params.emplace_back("error_description", description);
  return Redirect(std::move(reply), AppendQuery(error_url, params));
}

// The session for a signed-in OAuth user, its cookies, and the redirect.
HttpReply SignedIn(SocialService& s, const HttpRequest& request, const Site& site,
                   OAuthSignIn in, const StateData& data, const std::string& error_url,
                   HttpReply reply) {
  auto started = StartSession(s.ctx, &in.user, request, /*remember=*/true);
  if (auto* error = std::get_if<ApiError>(&started)) {
    return RedirectError(std::move(reply), error_url, error->wire_code.empty() ? "unable_to_create_session" : error->wire_code, error->message);
  }
  const storage::SessionRow& session = std::get<storage::SessionRow>(started);
  if (!s.ctx.repo.InsertSession(session).ok()) {
    return RedirectError(std::move(reply), error_url, "unable_to_create_session");
  }
  SetSessionCookies(s.ctx, session, /*remember=*/true, site, &reply);
  AddBearerToken(site, &reply);
  const bool to_new = in.is_register && data.new_user_url && !data.new_user_url->empty();
  return Redirect(std::move(reply), to_new ? *data.new_user_url : data.callback_url);
}

HttpReply Finish(SocialService& s, const HttpRequest& request, const Site& site,
                 const ProviderSpec& spec, const Exchanged& oauth, const StateData& data,
                 const std::string& error_url, HttpReply reply) {
  if (data.link) {
    if (auto error = LinkAccount(s, spec, *data.link, oauth)) {
      return RedirectError(std::move(reply), error_url, *error);
    }
    return Redirect(std::move(reply), data.callback_url);
  }
  if (!oauth.profile.email || oauth.profile.email->empty()) {
    return RedirectError(std::move(reply), error_url, "email_not_found");
  }
  const bool disable_sign_up =
      (spec.disable_implicit_sign_up && data.request_sign_up != true) || spec.disable_sign_up;
  auto result = FindOrCreateUser(s, spec, oauth, disable_sign_up);
  if (auto* error = std::get_if<std::string>(&result)) {
    std::string code = *error;
    std::replace(code.begin(), code.end(), ' ', '_');
    return RedirectError(std::move(reply), error_url, code);
  }
  return SignedIn(s, request, site, std::get<OAuthSignIn>(std::move(result)), data, error_url,
                  std::move(reply));
}

}  // namespace

namespace {

// The callback's state, provider error and code, checked in Better Auth's order: the state
// data, or nullopt with `reply` made the error redirect.
std::optional<StateData> CheckCallback(SocialService& s, const HttpRequest& request,
                                       const Site& site, HttpReply* reply) {
  const std::string default_error = BaseUrl(s.ctx, site) + "/error";
  const std::string state = Query(request, "state");
  if (state.empty()) {
    *reply = RedirectError(std::move(*reply), default_error, "state_not_found");
    return std::nullopt;
  }
  auto parsed = ParseState(s.ctx, request, site, state, reply);
  if (auto* failure = std::get_if<StateFailure>(&parsed)) {
    *reply = RedirectError(std::move(*reply), failure->error_url.value_or(default_error), failure->code);
    return std::nullopt;
  }
  StateData data = std::get<StateData>(std::move(parsed));
  const std::string error_url = data.error_url.value_or(default_error);
  if (!Query(request, "error").empty()) {
    *reply = RedirectError(std::move(*reply), error_url, Query(request, "error"),
                           Query(request, "error_description"));
    return std::nullopt;
  }
  if (Query(request, "code").empty()) {
    *reply = RedirectError(std::move(*reply), error_url, "no_code");
    return std::nullopt;
  }
  return data;
}

}  // namespace

HttpReply Callback(SocialService& s, const HttpRequest& request) {
  const Site site = SiteOf(s.ctx.config, request);
  HttpReply reply = JsonReply("");
  const std::optional<StateData> data = CheckCallback(s, request, site, &reply);
  if (!data) return reply;
  const std::string error_url = data->error_url.value_or(BaseUrl(s.ctx, site) + "/error");
  const std::string id = request.path.substr(request.path.rfind('/') + 1);
  const ProviderSpec* spec = s.providers.Find(id);
  auto endpoints = spec ? s.providers.Resolve(*spec, DevIssuer(s.ctx, request))
                        : Result<Endpoints>(Error{Errc::kNotFound, "no provider"});
  if (!endpoints.ok()) return RedirectError(std::move(reply), error_url, "oauth_provider_not_found");
  const CodeGrant grant{Query(request, "code"), data->code_verifier,
                        BaseUrl(s.ctx, site) + "/callback/" + id, data->id_token_nonce,
                        s.ctx.clock.NowMs()};
  auto exchanged = ExchangeCode(s.http, *spec, *endpoints, grant);
  if (auto* error = std::get_if<std::string>(&exchanged)) {
    s.ctx.log.Warn("oauth_callback_failed", "provider=" + id + " error=" + *error);
    return RedirectError(std::move(reply), error_url, *error);
  }
  return Finish(s, request, site, *spec, std::get<Exchanged>(exchanged), *data, error_url,
                std::move(reply));
}

// A form_post callback: Better Auth redirects it to the GET callback with the same values.
HttpReply PostCallback(SocialService& s, const HttpRequest& request) {
  const Site site = SiteOf(s.ctx.config, request);
  std::map<std::string, std::string> merged;
  if (auto form = auth::ParseFormUrlEncoded(request.body)) {
    for (auto& [name, value] : *form) merged[name] = value;
  }
  for (const auto& [name, value] : request.query) merged[name] = value;
  Params params;
  for (const char* name : {"code", "error", "device_id", "error_description", "state", "user", "iss"}) {
    if (auto it = merged.find(name); it != merged.end()) params.emplace_back(name, it->second);
  }
  const std::string id = request.path.substr(request.path.rfind('/') + 1);
  return Redirect(JsonReply(""), BaseUrl(s.ctx, site) + "/callback/" + id + "?" + FormEncode(params));
}

}  // namespace issuer::server::social
