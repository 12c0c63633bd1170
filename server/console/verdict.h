#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace issuer::server::console {

// What is wrong with a JWT, judged as a verifier holding the served JWKS would judge it
// (jose's rules: exp <= now is expired, nbf > now is not yet valid, no leeway), at the
// server's clock.
struct Problem {
  std::string code;     // malformed, alg-none, alg-confusion, unknown-kid, alg-mismatch,
                        // bad-signature, expired, not-yet-valid, wrong-issuer, wrong-audience
  std::string message;  // in words: "expired at 2026-11-24T05:34:34.000Z (10 min ago by the
                        // server clock)"
};

struct Verdict {
  nlohmann::ordered_json header;  // null when not a JSON object
  nlohmann::ordered_json claims;  // null when not a JSON object
  std::string kid;
  std::string alg;
  // valid, invalid, unknown-kid, unsigned (alg none), unsupported (an alg no JWKS key can
  // verify: HMAC), malformed
  std::string signature;
  std::vector<Problem> problems;  // empty: a verifier accepts it
};

// Judges `token` against the JWKS document `jwks_json` at `now_s` (Unix seconds) for the
// expected `issuer` and `audience` (a string or an array: any of them will do). Signatures are
// checked with the keys/ verifiers for every algorithm ba-issuer signs with.
Verdict JudgeToken(std::string_view token, std::string_view jwks_json, int64_t now_s,
                   const std::string& issuer, const nlohmann::ordered_json& audience);

// A duration in words, as the console shows it: "45 s", "10 min", "2 h 5 min", "3 days 4 h".
std::string Words(int64_t seconds);

}  // namespace issuer::server::console
