// POST /two-factor/enable, /disable, /get-totp-uri, /generate-backup-codes (index.mjs,
// totp/index.mjs, backup-codes/index.mjs).
#include "common/ids.h"
#include "keys/one_time_codes.h"
#include "server/http/reply.h"
#include "server/plugins/two_factor/codes.h"
#include "server/plugins/two_factor/flow.h"
#include "server/plugins/two_factor/routes.h"
#include "server/session/account_checks.h"
#include "server/session/render.h"

namespace issuer::server::two_factor {
namespace {

using Found = storage::SessionWithUser;

std::vector<FieldSpec> PasswordField(const Options& options) {
  return {{"password", FieldType::kString, !options.allow_passwordless}};
}

std::optional<std::string> Password(const Body& body) {
  if (!body || !body->contains("password") || !(*body)["password"].is_string()) return std::nullopt;
  return (*body)["password"].get<std::string>();
}

// enable's zod schema {password, method: enum("otp","totp").default("totp"), issuer?}: issues in
// schema order, joined as better-call joins them.
std::optional<ApiError> ValidateEnable(const Options& options, const Body& body) {
  std::vector<FieldSpec> fields = PasswordField(options);
  fields.push_back({"issuer", FieldType::kString, false});
  if (!body || !body->is_object()) return ValidateFields(body, fields);
  std::vector<std::string> issues;
  if (auto e = ValidateFields(body, {fields[0]})) issues.push_back(e->message);
  if (auto it = body->find("method");
      it != body->end() && *it != "otp" && *it != "totp") {
    issues.push_back("[body.method] Invalid option: expected one of \"otp\"|\"totp\"");
  }
  if (auto e = ValidateFields(body, {fields[1]})) issues.push_back(e->message);
  if (issues.empty()) return std::nullopt;
  std::string message;
  for (const auto& issue : issues) message += (message.empty() ? "" : "; ") + issue;
  return ApiError{ApiCode::kValidationError, message};
}

// A route whose body is {password} (optional with allowPasswordless): the body, then the
// session (sessionMiddleware). No `found`: `reply` answers.
struct PasswordPost {
  Site site;
  HttpReply reply;
  Body body;
  std::optional<Found> found;
};
PasswordPost StartPasswordPost(AuthContext& ctx, const Options& options,
                               const HttpRequest& request) {
  PasswordPost p{SiteOf(ctx.config, request), {}, {}, std::nullopt};
  const std::vector<FieldSpec> fields = PasswordField(options);
  p.found = StartAccountPost(ctx, request, p.site, &fields, &p.body, &p.reply);
  return p;
}

// enable with method "otp", or skipVerificationOnEnable: twoFactorEnabled now, the session
// rotated so its cookie carries the new user.
std::optional<ApiError> TurnOn(AuthContext& ctx, const HttpRequest& request, const Site& site,
                               const Found& found, HttpReply* reply) {
  auto user = SetEnabled(ctx, found.user.id, true);
  if (!user.ok()) return LoggedFailure(ctx, user.error());
  auto rotated = RotateSession(ctx, request, site, found.session, std::move(*user), reply);
  if (auto* error = std::get_if<ApiError>(&rotated)) return *error;
  return std::nullopt;
}

struct NewTotp {
  std::string secret;
  std::vector<std::string> codes;
  Record record;
};

// A new secret and backup codes, sealed into the user's row (updated or made).
std::variant<NewTotp, ApiError> WriteNewTotp(AuthContext& ctx, const Options& options,
                                             const std::string& user_id,
                                             const std::optional<Record>& existing) {
  NewTotp out;
  out.codes = keys::NewBackupCodes(ctx.random, static_cast<size_t>(options.backup_codes.amount),
                                   static_cast<size_t>(options.backup_codes.length));
  out.secret = keys::NewTotpSecret(ctx.random);
  auto codes = SealBackupCodes(ctx, options, out.codes);
  auto secret = SealSecret(ctx, out.secret);
  if (!codes.ok()) return LoggedFailure(ctx, codes.error());
  if (!secret.ok()) return LoggedFailure(ctx, secret.error());
  out.record = {existing ? existing->id : GenerateId(ctx.random), *secret, *codes, user_id,
                options.skip_verification_on_enable, std::nullopt, std::nullopt};
  Status st = existing ? UpdateSecret(ctx, out.record) : InsertRecord(ctx, out.record);
  if (!st.ok()) return LoggedFailure(ctx, st.error());
  return out;
}

// Better Auth's appName, ba-issuer's only one.
constexpr char kAppName[] = "Better Auth";

// enable's issuer: `issuer || options.issuer || appName`.
std::string IssuerOf(const Options& options) {
  return options.issuer && !options.issuer->empty() ? *options.issuer : kAppName;
}

}  // namespace

HttpReply Enable(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  const Site site = SiteOf(ctx.config, request);
  auto read = ReadAccountBody(ctx, request, site, nullptr);
  if (auto* error = std::get_if<ApiError>(&read)) return ErrorReply(*error);
  const Body body = std::get<Body>(std::move(read));
  if (auto error = ValidateEnable(options, body)) return ErrorReply(*error);
  HttpReply reply;
  auto session = RequireSession(ctx, request, site, SessionRule::kAny, &reply);
  if (auto* error = std::get_if<ApiError>(&session)) return WithError(std::move(reply), *error);
  const Found& found = std::get<Found>(session);
  if (auto error = CheckPassword(ctx, options, found.user.id, Password(body))) {
    return WithError(std::move(reply), *error);
  }
  const std::string method = body->value("method", "totp");
  if (method == "otp") {
    if (auto error = TurnOn(ctx, request, site, found, &reply)) return WithError(std::move(reply), *error);
    reply.body = Dump(OrderedJson{{"method", "otp"}});
    return reply;
  }
  if (options.totp.disable) return WithError(std::move(reply), TwoFactorError(400, "TOTP_NOT_CONFIGURED"));
  auto existing = FindRecord(ctx, found.user.id);
  if (!existing.ok()) return WithError(std::move(reply), LoggedFailure(ctx, existing.error()));
  if (*existing && (*existing)->verified != false) {
    return WithError(std::move(reply), TwoFactorError(400, "TOTP_ALREADY_ENABLED"));
  }
  auto made = WriteNewTotp(ctx, options, found.user.id, *existing);
  if (auto* error = std::get_if<ApiError>(&made)) return WithError(std::move(reply), *error);
  const NewTotp& totp = std::get<NewTotp>(made);
  if (options.skip_verification_on_enable) {
    if (auto error = TurnOn(ctx, request, site, found, &reply)) return WithError(std::move(reply), *error);
  }
  const std::string issuer = body->contains("issuer") && (*body)["issuer"].is_string() &&
                                     !(*body)["issuer"].get<std::string>().empty()
                                 ? (*body)["issuer"].get<std::string>()
                                 : IssuerOf(options);
  reply.body = Dump(OrderedJson{
      {"method", "totp"},
      {"totpURI", TotpUri(totp.secret, issuer, found.user.email, options.totp.digits,
                          options.totp.period_s)},
      {"backupCodes", totp.codes}});
  ctx.log.Info("two_factor_enable", "user=" + found.user.id);
  return reply;
}

HttpReply Disable(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  PasswordPost p = StartPasswordPost(ctx, options, request);
  if (!p.found) return p.reply;
  const Site& site = p.site;
  HttpReply& reply = p.reply;
  const Body& body = p.body;
  const std::optional<Found>& found = p.found;
  if (auto error = CheckPassword(ctx, options, found->user.id, Password(body))) {
    return WithError(std::move(reply), *error);
  }
  auto user = SetEnabled(ctx, found->user.id, false);
  if (!user.ok()) return WithError(std::move(reply), LoggedFailure(ctx, user.error()));
  if (Status st = DeleteRecords(ctx, found->user.id); !st.ok()) {
    return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  }
  auto rotated = RotateSession(ctx, request, site, found->session, std::move(*user), &reply);
  if (auto* error = std::get_if<ApiError>(&rotated)) return WithError(std::move(reply), *error);
  if (auto trust = SignedCookie(ctx, request, site, kTrustDeviceCookie)) {
    const TrustValue value = SplitTrust(*trust);
    if (!value.identifier.empty()) (void)DeleteVerifications(ctx, value.identifier);
    ExpireCookie(site, kTrustDeviceCookie, &reply);
  }
  reply.body = Dump(OrderedJson{{"status", true}});
  ctx.log.Info("two_factor_disable", "user=" + found->user.id);
  return reply;
}

HttpReply GetTotpUri(AuthContext& ctx, const Options& options, const HttpRequest& request) {
  PasswordPost p = StartPasswordPost(ctx, options, request);
  if (!p.found) return p.reply;
  HttpReply& reply = p.reply;
  const Body& body = p.body;
  const std::optional<Found>& found = p.found;
  if (options.totp.disable) {
    return WithError(std::move(reply),
                     ApiError::Custom(400, "TOTP_NOT_CONFIGURED", "totp isn't configured"));
  }
  auto record = FindRecord(ctx, found->user.id);
  if (!record.ok()) return WithError(std::move(reply), LoggedFailure(ctx, record.error()));
  if (!*record) return WithError(std::move(reply), TwoFactorError(400, "TOTP_NOT_ENABLED"));
  auto key = OpenSecret(ctx, (*record)->secret);
  if (!key.ok()) return WithError(std::move(reply), LoggedFailure(ctx, key.error()));
  if (auto error = CheckPassword(ctx, options, found->user.id, Password(body))) {
    return WithError(std::move(reply), *error);
  }
  // get-totp-uri reads `issuer` from totpOptions, where the type forbids it: always appName.
  reply.body = Dump(OrderedJson{{"totpURI", TotpUri(key->view(), kAppName,
                                                    found->user.email, options.totp.digits,
                                                    options.totp.period_s)}});
  return reply;
}

HttpReply GenerateBackupCodes(AuthContext& ctx, const Options& options,
                              const HttpRequest& request) {
  PasswordPost p = StartPasswordPost(ctx, options, request);
  if (!p.found) return p.reply;
  HttpReply& reply = p.reply;
  const Body& body = p.body;
  const std::optional<Found>& found = p.found;
  if (!Enabled(found->user)) {
    return WithError(std::move(reply), TwoFactorError(400, "TWO_FACTOR_NOT_ENABLED"));
  }
  if (auto error = CheckPassword(ctx, options, found->user.id, Password(body))) {
    return WithError(std::move(reply), *error);
  }
  auto record = FindRecord(ctx, found->user.id);
  if (!record.ok()) return WithError(std::move(reply), LoggedFailure(ctx, record.error()));
  if (!*record) return WithError(std::move(reply), TwoFactorError(400, "TWO_FACTOR_NOT_ENABLED"));
  const std::vector<std::string> codes =
      keys::NewBackupCodes(ctx.random, static_cast<size_t>(options.backup_codes.amount),
                           static_cast<size_t>(options.backup_codes.length));
  auto sealed = SealBackupCodes(ctx, options, codes);
  if (!sealed.ok()) return WithError(std::move(reply), LoggedFailure(ctx, sealed.error()));
  if (Status st = SetBackupCodes(ctx, (*record)->id, *sealed); !st.ok()) {
    return WithError(std::move(reply), LoggedFailure(ctx, st.error()));
  }
  reply.body = Dump(OrderedJson{{"status", true}, {"backupCodes", codes}});
  return reply;
}

}  // namespace issuer::server::two_factor
