#include "server/plugins/two_factor/two_factor.h"

#include "server/fixture/test_api.h"
#include "server/http/reply.h"
#include "server/http/request_body.h"
#include "server/plugins/two_factor/flow.h"
#include "server/plugins/two_factor/options.h"
#include "server/plugins/two_factor/routes.h"
#include "server/plugins/two_factor/store.h"
#include "server/session/context.h"

namespace issuer::server {
namespace {

using two_factor::Options;

class TwoFactorPlugin : public Plugin {
 public:
  explicit TwoFactorPlugin(Options options) : options_(std::move(options)) {}

  std::string_view id() const override { return "two-factor"; }

  std::vector<storage::TableDecl> Schema() const override { return two_factor::TwoFactorSchema(); }

  std::vector<Route> Routes(AuthContext& ctx) override {
    struct Entry {
      const char* path;
      two_factor::Endpoint endpoint;
    };
    static constexpr Entry kEntries[] = {
        {"/two-factor/enable", &two_factor::Enable},
        {"/two-factor/disable", &two_factor::Disable},
        {"/two-factor/get-totp-uri", &two_factor::GetTotpUri},
        {"/two-factor/verify-totp", &two_factor::VerifyTotp},
        {"/two-factor/send-otp", &two_factor::SendOtp},
        {"/two-factor/verify-otp", &two_factor::VerifyOtp},
        {"/two-factor/verify-backup-code", &two_factor::VerifyBackupCode},
        {"/two-factor/generate-backup-codes", &two_factor::GenerateBackupCodes}};
    std::vector<Route> routes;
    for (const Entry& e : kEntries) {
      two_factor::Endpoint endpoint = e.endpoint;
      routes.push_back(Route{"POST", ctx.config.base_path + e.path,
                             [&ctx, this, endpoint](const HttpRequest& r) {
                               return endpoint(ctx, options_, r);
                             },
                             false, e.path});
    }
    if (ctx.config.test_api) {
      routes.push_back(Route{"GET", "/__test/totp",
                             [&ctx, this](const HttpRequest& r) {
                               if (auto refused = RefuseTestApiRequest(ctx, r)) return *refused;
                               return two_factor::CurrentTotp(ctx, options_, r);
                             },
                             false, "/__test/totp"});
    }
    return routes;
  }

  // twoFactorEnabled's defaultValue false, written on every new user as Better Auth's adapter
  // writes it (input: false: never from the body).
  std::optional<ApiError> BeforeUserCreate(AuthContext& /*ctx*/, const nlohmann::json* /*body*/,
                                           storage::UserRow* user) override {
    for (const auto& column : user->extra) {
      if (column.name == two_factor::kEnabledColumn) return std::nullopt;
    }
    user->extra.push_back({two_factor::kEnabledColumn, int64_t{0}, storage::FieldType::kBoolean});
    return std::nullopt;
  }

  // update-user: twoFactorEnabled is input: false, so a truthy value is refused (a falsy one is
  // dropped), as Better Auth's parseUserInput does.
  std::optional<ApiError> BeforeUserUpdate(AuthContext& /*ctx*/, const nlohmann::json& body,
                                           const storage::UserRow& /*user*/,
                                           storage::Row* /*set*/) override {
    auto it = body.find(two_factor::kEnabledColumn);
    if (it == body.end() || !Truthy(*it)) return std::nullopt;
    return ApiError::Custom(400, "FIELD_NOT_ALLOWED", "twoFactorEnabled is not allowed to be set");
  }

  // The after-hook on /sign-in/*: a second factor is due unless a trusted-device cookie of
  // this user is live.
  std::optional<HttpReply> InterceptSignIn(AuthContext& ctx, const SignIn& in) override {
    if (!two_factor::Enabled(in.user)) return std::nullopt;
    auto trust = two_factor::ReadTrust(ctx, in.request, in.site, in.user.id);
    if (auto* error = std::get_if<ApiError>(&trust)) return ErrorReply(*error);
    const auto& state = std::get<two_factor::Trust>(trust);
    if (state.identifier) return std::nullopt;  // trusted: AfterSignIn renews the cookie
    HttpReply reply = two_factor::Redirect(ctx, options_, in.site, in.user,
                                           in.remember, state.present);
    if (auto callback = CallbackUrl(in.request)) reply.AddHeader("Location", *callback);
    return reply;
  }

  // A trusted device signed in: its identifier is replaced by a new one (rotation), as Better
  // Auth does on every such sign-in.
  void AfterSignIn(AuthContext& ctx, const SignIn& in, HttpReply* reply) override {
    if (!two_factor::Enabled(in.user)) return;
    auto trust = two_factor::ReadTrust(ctx, in.request, in.site, in.user.id);
    const auto* state = std::get_if<two_factor::Trust>(&trust);
    if (state == nullptr || !state->identifier) return;
    (void)two_factor::DeleteVerifications(ctx, *state->identifier);
    if (auto error = two_factor::TrustDevice(ctx, options_, in.site, in.user.id, reply)) {
      ctx.log.Warn("two_factor_trust_renew_failed", "user=" + in.user.id);
    }
  }

  std::vector<LimitRule> LimitRules() const override { return {{"/two-factor/", 10, 3}}; }

 private:
  // JavaScript truthiness of a JSON value.
  static bool Truthy(const nlohmann::json& v) {
    if (v.is_null()) return false;
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number()) return v.get<double>() != 0;
    if (v.is_string()) return !v.get<std::string>().empty();
    return true;
  }

  // The sign-in's callbackURL: Better Auth's handler set Location for it before the hook ran.
  static std::optional<std::string> CallbackUrl(const HttpRequest& request) {
    auto parsed = ParseBody(request, /*allow_form=*/true);
    const Body* body = std::get_if<Body>(&parsed);
    if (body == nullptr || !*body || !(*body)->is_object()) return std::nullopt;
    auto it = (*body)->find("callbackURL");
    if (it == (*body)->end() || !it->is_string() || it->get<std::string>().empty()) {
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  const Options options_;
};

}  // namespace

Result<std::unique_ptr<Plugin>> MakeTwoFactor(const nlohmann::json& options) {
  auto parsed = two_factor::ParseOptions(options);
  if (!parsed.ok()) return parsed.error();
  return std::unique_ptr<Plugin>(new TwoFactorPlugin(std::move(*parsed)));
}

}  // namespace issuer::server
