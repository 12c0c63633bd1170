// The endpoint methods of AuthService: parse, check, call the store, respond.
#include <cctype>

#include "common/ids.h"
#include "server/auth/email.h"
#include "server/auth/password.h"
#include "server/auth_service.h"
#include "server/render.h"
#include "server/request_body.h"
#include "server/text.h"

namespace issuer::server {
namespace {

constexpr size_t kMinPassword = 8;
constexpr size_t kMaxPassword = 128;

const std::vector<FieldSpec>& SignUpFields() {
  static const std::vector<FieldSpec> fields = {
      {"name", FieldType::kString, true},         {"email", FieldType::kEmail, true},
      {"password", FieldType::kString, true, true}, {"image", FieldType::kString, false},
      {"callbackURL", FieldType::kString, false}, {"rememberMe", FieldType::kBoolean, false}};
  return fields;
}

const std::vector<FieldSpec>& SignInFields() {
  static const std::vector<FieldSpec> fields = {{"email", FieldType::kString, true},
                                                {"password", FieldType::kString, true},
                                                {"callbackURL", FieldType::kString, false},
                                                {"rememberMe", FieldType::kBoolean, false}};
  return fields;
}

HttpReply JsonReply(const OrderedJson& body) {
  HttpReply reply;
  reply.body = Dump(body);
  return reply;
}

// Turns `reply` into an error reply, keeping the headers (cookies) it already carries.
HttpReply WithError(HttpReply reply, const ApiError& error) {
  HttpReply e = AuthService::ErrorReply(error);
  reply.status = e.status;
  reply.body = std::move(e.body);
  return reply;
}

bool Remember(const nlohmann::json& body) {
  auto it = body.find("rememberMe");
  return it == body.end() || !it->is_boolean() || it->get<bool>();
}

std::optional<std::string> OptionalString(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::optional<ApiError> AuthService::CheckLoginRequest(const HttpRequest& request,
                                                       const Site& site, const Body& body,
                                                       bool sign_up) const {
  if (auto error = CheckOrigins(request, site, body ? &*body : nullptr)) return error;
  const auto& fields = sign_up ? SignUpFields() : SignInFields();
  if (auto error = ValidateFields(body, fields, /*record_schema=*/sign_up)) return error;
  if (!config_.origin_check_enabled()) return std::nullopt;
  return CheckLoginCsrf(request, trusted_, site.origin);
}

HttpReply AuthService::SignUp(const HttpRequest& request) {
  const Site site = SiteOf(request);
  auto parsed = ParseBody(request, /*allow_form=*/true);
  if (auto* error = std::get_if<ApiError>(&parsed)) return ErrorReply(*error);
  const Body& body = std::get<Body>(parsed);
  if (auto error = CheckLoginRequest(request, site, body, /*sign_up=*/true)) {
    return ErrorReply(*error);
  }
  const std::string& password = (*body)["password"].get_ref<const std::string&>();
  const size_t length = auth::Utf16Length(password);
  if (length < kMinPassword) return ErrorReply({ApiCode::kPasswordTooShort, ""});
  if (length > kMaxPassword) return ErrorReply({ApiCode::kPasswordTooLong, ""});
  const std::string email = Lowercase((*body)["email"].get<std::string>());
  auto existing = store_.FindCredentialUser(email);
  if (!existing.ok()) return ErrorReply(FromError(existing.error()));
  if (existing->has_value()) return ErrorReply({ApiCode::kUserAlreadyExists, ""});

  const int64_t now = clock_();
  storage::UserRow user{GenerateId(random_), (*body)["name"].get<std::string>(), email, false,
                        OptionalString(*body, "image"), now, now, {}};
  std::string hash = HashPassword(password);
  if (hash.empty()) return ErrorReply({ApiCode::kServiceUnavailable, ""});
  storage::AccountRow account{GenerateId(random_), user.id, "credential", user.id,
                              std::move(hash), now, now};
  const bool remember = Remember(*body);
  storage::SessionRow session = NewSession(user.id, request, remember);
  Status st = store_.CreateUserWithAccount(user, account, session);
  if (!st.ok() && st.error().code == Errc::kConflict) {
    return ErrorReply({ApiCode::kUserAlreadyExists, ""});
  }
  if (!st.ok()) return ErrorReply(FromError(st.error()));
  log_.Info("sign_up", "user=" + user.id);
  HttpReply reply = JsonReply({{"token", session.token}, {"user", UserJson(user)}});
  SetSessionCookies(session, remember, site, &reply);
  AddBearerToken(site, &reply);
  return reply;
}

HttpReply AuthService::SignIn(const HttpRequest& request) {
  const Site site = SiteOf(request);
  auto parsed = ParseBody(request, /*allow_form=*/true);
  if (auto* error = std::get_if<ApiError>(&parsed)) return ErrorReply(*error);
  const Body& body = std::get<Body>(parsed);
  if (auto error = CheckLoginRequest(request, site, body, /*sign_up=*/false)) {
    return ErrorReply(*error);
  }
  const std::string email = Lowercase((*body)["email"].get<std::string>());
  const std::string& password = (*body)["password"].get_ref<const std::string&>();
  if (!auth::IsValidEmail(email)) return ErrorReply({ApiCode::kInvalidEmail, ""});
  if (auth::Utf16Length(password) > kMaxPassword) {
    return ErrorReply({ApiCode::kPasswordTooLong, ""});
  }
  auto found = store_.FindCredentialUser(email);
  if (!found.ok()) return ErrorReply(FromError(found.error()));
  if (!found->has_value() || !(*found)->password) {
    (void)HashPassword(password);  // even out timing for unknown users
    return ErrorReply({ApiCode::kInvalidEmailOrPassword, ""});
  }
  if (!VerifyPassword(password, *(*found)->password)) {
    return ErrorReply({ApiCode::kInvalidEmailOrPassword, ""});
  }
  const storage::UserRow& user = (*found)->user;
  const bool remember = Remember(*body);
  storage::SessionRow session = NewSession(user.id, request, remember);
  Status st = store_.InsertSession(session);
  if (!st.ok()) return ErrorReply(FromError(st.error()));
  const std::optional<std::string> callback = OptionalString(*body, "callbackURL");
  OrderedJson out = {{"redirect", callback.has_value()}, {"token", session.token}};
  if (callback) out["url"] = *callback;
  out["user"] = UserJson(user);
  HttpReply reply = JsonReply(out);
  if (callback) reply.AddHeader("Location", *callback);
  SetSessionCookies(session, remember, site, &reply);
  AddBearerToken(site, &reply);
  return reply;
}

HttpReply AuthService::SignOut(const HttpRequest& request) {
  const Site site = SiteOf(request);
  auto parsed = ParseBody(request, /*allow_form=*/false);
  if (auto* error = std::get_if<ApiError>(&parsed)) return ErrorReply(*error);
  if (auto error = CheckOrigins(request, site, nullptr)) return ErrorReply(*error);
  if (auto credential = ReadCredential(request, site)) {
    Status st = store_.DeleteSession(credential->token);
    if (!st.ok()) return ErrorReply(FromError(st.error()));
  }
  HttpReply reply = JsonReply({{"success", true}});
  ClearSessionCookies(site, &reply);
  return reply;
}

HttpReply AuthService::GetSession(const HttpRequest& request) {
  const Site site = SiteOf(request);
  HttpReply reply;
  reply.AddHeader("Cache-Control", "no-store");
  reply.AddHeader("Pragma", "no-cache");
  SessionResult result = ResolveSession(request, site, &reply);
  if (result.outcome == Lookup::kError) return WithError(std::move(reply), result.error);
  if (result.outcome == Lookup::kNone) {
    reply.body = "null";
    return reply;
  }
  auto jwt = SignToken(result.found, site);
  if (!jwt.ok()) return WithError(std::move(reply), FromError(jwt.error()));
  reply.body = Dump(
      {{"session", SessionJson(result.found.session)}, {"user", UserJson(result.found.user)}});
  reply.AddHeader("set-auth-jwt", *jwt);
  ExposeHeaders(&reply, {"set-auth-jwt"});
  AddBearerToken(site, &reply);
  return reply;
}

HttpReply AuthService::Token(const HttpRequest& request) {
  const Site site = SiteOf(request);
  HttpReply reply;
  SessionResult result = ResolveSession(request, site, &reply);
  if (result.outcome == Lookup::kError) return WithError(std::move(reply), result.error);
  if (result.outcome == Lookup::kNone) {
    return WithError(std::move(reply), {ApiCode::kUnauthorized, ""});
  }
  auto jwt = SignToken(result.found, site);
  if (!jwt.ok()) return WithError(std::move(reply), FromError(jwt.error()));
  reply.body = Dump({{"token", *jwt}});
  AddBearerToken(site, &reply);
  return reply;
}

HttpReply AuthService::Jwks(const HttpRequest&) {
  auto jwks = keys_.JwksJson();
  if (!jwks.ok()) return ErrorReply(FromError(jwks.error()));
  HttpReply reply;
  reply.body = std::move(*jwks);
  return reply;
}

HttpReply AuthService::Ok(const HttpRequest&) { return JsonReply({{"ok", true}}); }

HttpReply AuthService::ErrorPage(const HttpRequest&) {
  HttpReply reply;
  reply.content_type = "text/html";
  reply.body =
      "<!DOCTYPE html><html><head><title>Error</title></head>"
      "<body><h1>Something went wrong</h1><p>Please try again.</p></body></html>";
  return reply;
}

HttpReply AuthService::PostGetSession(const HttpRequest&) {
  HttpReply reply = ErrorReply({ApiCode::kDeferSessionRequired, ""});
  reply.AddHeader("Cache-Control", "no-store");
  reply.AddHeader("Pragma", "no-cache");
  return reply;
}

}  // namespace issuer::server
