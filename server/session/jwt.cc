#include "server/session/jwt.h"

#include "keys/jws.h"

namespace issuer::server {

Result<std::string> SignClaims(AuthContext& ctx, const OrderedJson& claims) {
  auto signer = ctx.keys.CurrentSigner();
  if (!signer.ok()) return signer.error();
  const keys::Signer& key = *signer->key->signer;
  return keys::SignCompactJws(keys::JwsHeaderJson(key), Dump(claims), key);
}

Result<std::string> MintToken(AuthContext& ctx, const storage::UserRow& user, const Site& site) {
  OrderedJson claims = JwtClaims(user, ctx.clock.NowMs(), ctx.config.token_ttl_s, site.origin,
                                 site.origin);
  const OrderedJson extra = ctx.user_claims.Get(user.id);
  for (auto& [name, value] : extra.items()) {
    if (name != "sub") claims[name] = value;
  }
  return SignClaims(ctx, claims);
}

}  // namespace issuer::server
