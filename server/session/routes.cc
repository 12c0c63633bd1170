#include "server/session/routes.h"

#include "server/session/account_endpoints.h"
#include "server/session/endpoints.h"

namespace issuer::server {

std::vector<Route> AuthRoutes(AuthContext& ctx) {
  using Endpoint = HttpReply (*)(AuthContext&, const HttpRequest&);
  struct Entry {
    const char* method;
    const char* path;
    Endpoint endpoint;
    bool allow_form;
  };
  static constexpr Entry kEntries[] = {{"POST", "/sign-up/email", &SignUp, true},
                                       {"POST", "/sign-in/email", &SignIn, true},
                                       {"POST", "/sign-out", &SignOut, false},
                                       {"GET", "/get-session", &GetSession, false},
                                       {"POST", "/get-session", &PostGetSession, false},
                                       {"GET", "/token", &Token, false},
                                       {"GET", "/jwks", &Jwks, false},
                                       {"GET", "/ok", &Ok, false},
                                       {"GET", "/error", &ErrorPage, false},
                                       {"GET", "/list-sessions", &ListSessions, false},
                                       {"POST", "/revoke-session", &RevokeSession, false},
                                       {"POST", "/revoke-sessions", &RevokeSessions, false},
                                       {"POST", "/revoke-other-sessions", &RevokeOtherSessions, false},
                                       {"POST", "/update-user", &UpdateUser, false},
                                       {"POST", "/change-password", &ChangePassword, false},
                                       {"POST", "/request-password-reset", &RequestPasswordReset, false},
                                       {"GET", "/reset-password/", &ResetPasswordCallback, false},
                                       {"POST", "/reset-password", &ResetPassword, false},
                                       {"POST", "/send-verification-email", &SendVerificationEmail, false},
                                       {"GET", "/verify-email", &VerifyEmail, false},
                                       {"GET", "/list-accounts", &ListAccounts, false},
                                       {"POST", "/delete-user", &DeleteUser, false}};
  std::vector<Route> routes;
  for (const Entry& e : kEntries) {
    Endpoint endpoint = e.endpoint;
    // jwks.jwksPath moves /jwks (the old path is then 404, as in Better Auth).
    const std::string path = endpoint == &Jwks ? ctx.config.jwks_path : e.path;
    const bool param = path.back() == '/';  // "/reset-password/:token"
    routes.push_back(Route{e.method, ctx.config.base_path + path,
                           [&ctx, endpoint](const HttpRequest& r) { return endpoint(ctx, r); },
                           e.allow_form, param ? path + ":token" : path, param});
  }
  return routes;
}

}  // namespace issuer::server
