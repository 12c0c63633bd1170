#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "server/http/types.h"
#include "server/session/context.h"

namespace issuer::server::social {

// A link-social flow's user.
struct LinkTarget {
  std::string email;
  std::string user_id;
};

// Better Auth's OAuth state data (state.ts stateDataSchema), as stored in the verification
// row's value.
struct StateData {
  std::string callback_url;
  std::string code_verifier;
  std::optional<std::string> error_url;
  std::optional<std::string> new_user_url;
  std::optional<LinkTarget> link;
  int64_t expires_at_ms = 0;
  std::optional<bool> request_sign_up;
  std::string id_token_nonce;  // "" when none
  std::string oauth_state;
};

// A failed state check: Better Auth's error code and the flow's errorURL when the state was
// read far enough to know it.
struct StateFailure {
  std::string code;  // state_not_found, state_mismatch
  std::optional<std::string> error_url;
};

// generateState with storeStateStrategy "database": a 32-character state, a 128-character
// code verifier; the data under verification identifier "auth-state:<state>" for 10 minutes,
// and the state in the signed `state` cookie (Max-Age 300) added to `reply`. `data` gets
// code_verifier, expires_at and oauth_state filled in.
Result<std::string> GenerateState(AuthContext& ctx, const Site& site, StateData* data,
                                  HttpReply* reply);

// parseGenericState: the row for the callback's `state`, which must match its oauthState and
// the signed state cookie, and must not have expired. The row is deleted and the cookie
// expired (added to `reply`) once it is found valid.
std::variant<StateData, StateFailure> ParseState(AuthContext& ctx, const HttpRequest& request,
                                                 const Site& site, const std::string& state,
                                                 HttpReply* reply);

}  // namespace issuer::server::social
