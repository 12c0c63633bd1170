// The console's tokens: the server's verdict on a pasted JWT, and what the page needs to judge
// one itself (issuer, audience, where the JWKS is).
#include <algorithm>

#include "common/text.h"
#include "server/config/config.h"
#include "server/console/api_support.h"
#include "server/console/routes.h"
#include "server/console/verdict.h"
#include "server/fixture/test_tokens.h"
#include "server/http/reply.h"
#include "server/session/jwt.h"

namespace issuer::server::console {
namespace {

OrderedJson VerdictJson(const Verdict& v, int64_t now_s) {
  OrderedJson problems = OrderedJson::array();
  for (const Problem& p : v.problems)
    problems.push_back({{"code", p.code}, {"message", p.message}});
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? OrderedJson() : OrderedJson(s);
  };
  return {{"header", v.header},         {"claims", v.claims},
          {"kid", text_or_null(v.kid)}, {"alg", text_or_null(v.alg)},
          {"signature", v.signature},   {"valid", v.problems.empty()},
          {"problems", problems},       {"now", now_s}};
}

HttpReply Verify(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  auto token = TextField(std::get<json>(body), "token");
  if (!token) return Invalid("token: expected a JWT");
  auto jwks = ctx.keys.CurrentJwks();
  if (!jwks.ok()) return Failure(ctx, jwks.error());
  const Site site = SiteOf(ctx.config, request);
  const int64_t now_ms = ctx.clock.NowMs();
  const int64_t now_s = (now_ms >= 0 ? now_ms : now_ms - 999) / 1000;
  const Verdict verdict =
      JudgeToken(Trim(*token), *jwks->body, now_s, TokenIssuer(ctx.config, site),
                 TokenAudience(ctx.config, site));
  return JsonReply(Dump(VerdictJson(verdict, now_s)));
}

// The kinds /__test/tokens mints (TokenKindNames: "valid, expired, ...").
OrderedJson KindList() {
  OrderedJson kinds = OrderedJson::array();
  const std::string names = TokenKindNames();
  for (size_t start = 0; start < names.size();) {
    const size_t end = std::min(names.find(',', start), names.size());
    kinds.push_back(Trim(std::string_view(names).substr(start, end - start)));
    start = end + 1;
  }
  return kinds;
}

HttpReply Info(AuthContext& ctx, const HttpRequest& request) {
  const Config& config = ctx.config;
  const Site site = SiteOf(config, request);
  return JsonReply(Dump(
      {{"version", Version()},
       {"basePath", config.base_path},
       {"baseURL", config.base_origin.empty() ? OrderedJson(nullptr)
                                              : OrderedJson(config.base_origin + config.base_path)},
       {"issuer", TokenIssuer(config, site)},
       {"audience", TokenAudience(config, site)},
       {"jwksPath", config.base_path + config.jwks_path},
       {"alg", ctx.keys.policy().alg},
       {"tokenKinds", KindList()},
       {"tokenExpiresIn", config.token_ttl_s},
       {"session",
        {{"expiresIn", config.session_expires_in_s}, {"updateAge", config.session_update_age_s}}},
       {"console", config.console}}));
}

}  // namespace

void AddTokenRoutes(AuthContext& ctx, std::vector<Route>* routes) {
  static constexpr Endpoint kEndpoints[] = {{"POST", "/__test/verify", &Verify},
                                            {"GET", "/__test/info", &Info}};
  AddEndpoints(ctx, kEndpoints, routes);
}

}  // namespace issuer::server::console
