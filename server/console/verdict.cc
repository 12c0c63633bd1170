#include "server/console/verdict.h"

#include <optional>

#include "common/time_format.h"
#include "keys/ed25519.h"
#include "keys/ed25519_signer.h"
#include "keys/encoding.h"
#include "keys/jwk.h"
#include "keys/openssl_key.h"

namespace issuer::server::console {
namespace {

using OrderedJson = nlohmann::ordered_json;

// The JSON object a base64url segment holds, or null.
OrderedJson Segment(std::string_view text) {
  auto bytes = keys::Base64UrlDecode(text);
  if (!bytes.ok()) return nullptr;
  OrderedJson value = OrderedJson::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  return value.is_object() ? value : OrderedJson(nullptr);
}

std::string Text(const OrderedJson& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The JWKS entry with `kid`, or null.
OrderedJson FindKey(std::string_view jwks_json, const std::string& kid) {
  OrderedJson jwks = OrderedJson::parse(jwks_json, nullptr, /*allow_exceptions=*/false);
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) return nullptr;
  for (const OrderedJson& key : jwks["keys"]) {
    if (key.is_object() && Text(key, "kid") == kid) return key;
  }
  return nullptr;
}

bool Verifies(const std::string& alg, const OrderedJson& key, std::string_view input,
              std::string_view signature) {
  if (alg != keys::kEdDsa) return keys::VerifyWithPublicJwk(alg, key.dump(), input, signature);
  auto public_key = keys::ParsePublicJwk(key.dump());
  return public_key.ok() && keys::VerifyEd25519(*public_key, input, signature);
}

// The signature's verdict; adds the problem it shows, if any.
std::string CheckSignature(std::string_view token, std::string_view jwks_json, Verdict* v) {
  if (v->alg == "none") {
    v->problems.push_back({"alg-none",
                           "unsigned: alg is \"none\", so anyone could have "
                           "written it"});
    return "unsigned";
  }
  if (v->alg.rfind("HS", 0) == 0) {
    v->problems.push_back({"alg-confusion", "alg " + v->alg +
                                                " is an HMAC algorithm: a JWKS "
                                                "holds public keys, so no verifier may accept it "
                                                "(alg confusion, RFC 8725 §2.1)"});
    return "unsupported";
  }
  const OrderedJson key = FindKey(jwks_json, v->kid);
  if (key.is_null()) {
    v->problems.push_back({"unknown-kid", v->kid.empty() ? "unknown kid: the header names no kid"
                                                         : "unknown kid: " + v->kid +
                                                               " is not in the JWKS served now"});
    return "unknown-kid";
  }
  if (Text(key, "alg") != v->alg) {
    v->problems.push_back({"alg-mismatch", "alg " + v->alg + " is not the alg of key " + v->kid +
                                               " (" + Text(key, "alg") + ")"});
    return "invalid";
  }
  const size_t last = token.rfind('.');
  auto signature = keys::Base64UrlDecode(token.substr(last + 1));
  if (!signature.ok() || !Verifies(v->alg, key, token.substr(0, last), *signature)) {
    v->problems.push_back({"bad-signature", "bad signature: not signed by key " + v->kid});
    return "invalid";
  }
  return "valid";
}

std::optional<int64_t> Seconds(const OrderedJson& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return static_cast<int64_t>(it->get<double>());
}

bool Audiences(const OrderedJson& aud, const OrderedJson& expected) {
  auto matches = [&](const OrderedJson& one) {
    if (expected.is_array()) {
      for (const OrderedJson& e : expected) {
        if (e == one) return true;
      }
      return false;
    }
    return one == expected;
  };
  if (aud.is_array()) {
    for (const OrderedJson& one : aud) {
      if (matches(one)) return true;
    }
    return false;
  }
  return matches(aud);
}

std::string Shown(const OrderedJson& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

void CheckClaims(const OrderedJson& claims, int64_t now_s, const std::string& issuer,
                 const OrderedJson& audience, Verdict* v) {
  if (auto exp = Seconds(claims, "exp"); exp && *exp <= now_s) {
    v->problems.push_back({"expired", "expired at " + FormatIsoMs(*exp * 1000) + " (" +
                                          Words(now_s - *exp) + " ago by the server clock)"});
  }
  if (auto nbf = Seconds(claims, "nbf"); nbf && *nbf > now_s) {
    v->problems.push_back({"not-yet-valid", "not valid yet: nbf " + FormatIsoMs(*nbf * 1000) +
                                                " (in " + Words(*nbf - now_s) +
                                                " by the server clock)"});
  }
  if (Text(claims, "iss") != issuer) {
    const std::string iss = claims.contains("iss") ? Shown(claims["iss"]) : "none";
    v->problems.push_back({"wrong-issuer", "wrong issuer: " + iss + ", expected " + issuer});
  }
  if (!claims.contains("aud") || !Audiences(claims["aud"], audience)) {
    const std::string aud = claims.contains("aud") ? Shown(claims["aud"]) : "none";
    v->problems.push_back(
        {"wrong-audience", "wrong audience: " + aud + ", expected " + Shown(audience)});
  }
}

}  // namespace

std::string Words(int64_t seconds) {
  if (seconds < 0) seconds = -seconds;
  auto unit = [](int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  if (seconds < 60) return std::to_string(seconds) + " s";
  if (seconds < 3600) return std::to_string(seconds / 60) + " min";
  if (seconds < 86400) {
    const int64_t minutes = (seconds % 3600) / 60;
    return std::to_string(seconds / 3600) + " h" +
           (minutes ? " " + std::to_string(minutes) + " min" : "");
  }
  const int64_t hours = (seconds % 86400) / 3600;
  return unit(seconds / 86400, "day", "days") + (hours ? " " + std::to_string(hours) + " h" : "");
}

Verdict JudgeToken(std::string_view token, std::string_view jwks_json, int64_t now_s,
                   const std::string& issuer, const OrderedJson& audience) {
  Verdict v;
  const size_t first = token.find('.'), last = token.rfind('.');
  if (first == std::string_view::npos || first == last || token.find('.', first + 1) != last) {
    v.signature = "malformed";
    v.problems.push_back({"malformed",
                          "not a JWT: expected three base64url parts separated "
                          "by dots"});
    return v;
  }
  v.header = Segment(token.substr(0, first));
  v.claims = Segment(token.substr(first + 1, last - first - 1));
  if (v.header.is_null() || v.claims.is_null()) {
    v.signature = "malformed";
    v.problems.push_back({"malformed", std::string("not a JWT: the ") +
                                           (v.header.is_null() ? "header" : "claims") +
                                           " part is not a base64url JSON object"});
    return v;
  }
  v.kid = Text(v.header, "kid");
  v.alg = Text(v.header, "alg");
  v.signature = CheckSignature(token, jwks_json, &v);
  CheckClaims(v.claims, now_s, issuer, audience, &v);
  return v;
}

}  // namespace issuer::server::console
