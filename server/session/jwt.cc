#include "server/session/jwt.h"

#include "keys/jws.h"
#include "server/session/claim_sources.h"

namespace issuer::server {

std::string TokenIssuer(const Config& config, const Site& site) {
  return config.jwt_issuer.value_or(site.origin);
}

OrderedJson TokenAudience(const Config& config, const Site& site) {
  return config.jwt_audience.is_null() ? OrderedJson(site.origin) : config.jwt_audience;
}

namespace {

Result<std::string> SignPayload(AuthContext& ctx, const std::string& payload_json) {
  auto signer = ctx.keys.CurrentSigner();
  if (!signer.ok()) return signer.error();
  const keys::Signer& key = *signer->key->signer;
  return keys::SignCompactJws(keys::JwsHeaderJson(key), payload_json, key);
}

}  // namespace

Result<std::string> SignClaims(AuthContext& ctx, const OrderedJson& claims) {
  return SignPayload(ctx, Dump(claims));
}

// Every call signs afresh (Ed25519 is deterministic, but iat moves and nothing is cached).
Result<std::string> MintToken(AuthContext& ctx, const storage::SessionWithUser& found,
                              const Site& site) {
  const Config& config = ctx.config;
  const storage::UserRow& user = found.user;
  auto added = SourcedClaims(ctx, found);
  if (!added.ok()) return added.error();
  const OrderedJson own = ctx.user_claims.Get(user.id);
  for (auto& [name, value] : own.items()) (*added)[name] = value;
  ctx.tokens_issued.fetch_add(1, std::memory_order_relaxed);
  return SignPayload(ctx, JwtClaimsJson(user, ctx.clock.NowMs(), config.token_ttl_s,
                                        TokenIssuer(config, site), TokenAudience(config, site),
                                        config.claims, *added));
}

}  // namespace issuer::server
