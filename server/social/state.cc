#include "server/social/state.h"

#include <nlohmann/json.hpp>

#include "common/ids.h"
#include "server/auth/signed_value.h"
#include "server/http/cookies.h"

namespace issuer::server::social {
namespace {

using nlohmann::ordered_json;
constexpr int64_t kStateTtlMs = 600'000;
constexpr int64_t kCookieMaxAgeS = 300;

std::string Identifier(const std::string& state) { return "auth-state:" + state; }

// JSON.stringify of the state data: undefined members are left out.
std::string StateJson(const StateData& d) {
  ordered_json out = {{"callbackURL", d.callback_url}, {"codeVerifier", d.code_verifier}};
  if (d.error_url) out["errorURL"] = *d.error_url;
  if (d.new_user_url) out["newUserURL"] = *d.new_user_url;
  if (d.link) out["link"] = {{"userId", d.link->user_id}, {"email", d.link->email}};
  out["expiresAt"] = d.expires_at_ms;
  if (d.request_sign_up) out["requestSignUp"] = *d.request_sign_up;
  if (!d.id_token_nonce.empty()) out["idTokenNonce"] = d.id_token_nonce;
  out["oauthState"] = d.oauth_state;
  return out.dump();
}

std::optional<std::string> Text(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<StateData> ParseStateJson(const std::string& value) {
  const auto doc = nlohmann::json::parse(value, nullptr, false);
  if (!doc.is_object() || !Text(doc, "callbackURL") || !Text(doc, "codeVerifier") ||
      !doc.contains("expiresAt") || !doc["expiresAt"].is_number()) {
    return std::nullopt;
  }
  StateData d;
  d.callback_url = *Text(doc, "callbackURL");
  d.code_verifier = *Text(doc, "codeVerifier");
  d.error_url = Text(doc, "errorURL");
  d.new_user_url = Text(doc, "newUserURL");
  if (auto it = doc.find("link"); it != doc.end() && it->is_object()) {
    d.link = LinkTarget{Text(*it, "email").value_or(""), Text(*it, "userId").value_or("")};
  }
  d.expires_at_ms = doc["expiresAt"].get<int64_t>();
  if (auto it = doc.find("requestSignUp"); it != doc.end() && it->is_boolean()) {
    d.request_sign_up = it->get<bool>();
  }
  d.id_token_nonce = Text(doc, "idTokenNonce").value_or("");
  d.oauth_state = Text(doc, "oauthState").value_or("");
  return d;
}

void ExpireStateCookie(const Site& site, HttpReply* reply) {
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName("state", site.secure), "", 0, site.secure));
}

}  // namespace

Result<std::string> GenerateState(AuthContext& ctx, const Site& site, StateData* data,
                                  HttpReply* reply) {
  const int64_t now = ctx.clock.NowMs();
  const std::string state = GenerateId(ctx.random, 32);
  data->code_verifier = GenerateId(ctx.random, 128);
  data->expires_at_ms = now + kStateTtlMs;
  data->oauth_state = state;
  storage::VerificationRow row{GenerateId(ctx.random), Identifier(state), StateJson(*data),
                               now + kStateTtlMs, now, now};
  if (Status st = ctx.repo.InsertVerification(row); !st.ok()) return st.error();
  const std::string value =
      auth::EncodeUriComponent(auth::SignValue(state, ctx.secrets.cookie_secret));
  reply->AddHeader("Set-Cookie", SetCookieValue(CookieName("state", site.secure), value,
                                                kCookieMaxAgeS, site.secure));
  return state;
}

std::variant<StateData, StateFailure> ParseState(AuthContext& ctx, const HttpRequest& request,
                                                 const Site& site, const std::string& state,
                                                 HttpReply* reply) {
  auto row = ctx.repo.FindVerification(Identifier(state));
  if (!row.ok() || !row->has_value()) return StateFailure{"state_mismatch", std::nullopt};
  auto data = ParseStateJson((*row)->value);
  if (!data) return StateFailure{"state_mismatch", std::nullopt};
  if (!data->oauth_state.empty() && data->oauth_state != state) {
    return StateFailure{"state_mismatch", data->error_url};
  }
  const auto cookie = FindCookie(request.Header("cookie").value_or(""),
                                 CookieName("state", site.secure));
  const auto signed_state =
      cookie ? auth::VerifySignedValue(*cookie, ctx.secrets.cookie_secret) : std::nullopt;
  if (!signed_state || *signed_state != state) return StateFailure{"state_mismatch", data->error_url};
  ExpireStateCookie(site, reply);
  (void)ctx.repo.DeleteRows("verification", {{"identifier", Identifier(state)}});
  if (data->expires_at_ms < ctx.clock.NowMs()) return StateFailure{"state_mismatch", data->error_url};
  return std::move(*data);
}

}  // namespace issuer::server::social
