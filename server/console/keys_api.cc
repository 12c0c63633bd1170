// The console's keys: the ring with each key's state and dates, rotation (ahead of time, or at
// once as `keys rotate` does) and revocation (as `keys revoke`).
#include "common/time_format.h"
#include "keys/lifecycle.h"
#include "server/console/api_support.h"
#include "server/console/key_staging.h"
#include "server/console/routes.h"
#include "server/http/reply.h"
#include "server/keyring/key_admin.h"

namespace issuer::server::console {
namespace {

KeyAdminContext AdminContext(AuthContext& ctx) {
  return KeyAdminContext{ctx.secrets.ring, ctx.keys.policy(), ctx.random, ctx.clock.NowMs()};
}

// publishedUntil: a key with no expiry is published for ever (null); a revoked one no longer.
OrderedJson KeyJson(const KeyListing& key, const keys::KeyPolicy& policy) {
  const bool revoked = key.state == keys::KeyState::kRevoked;
  std::optional<int64_t> until = key.expires_at_ms;
  if (until && !revoked) *until += policy.grace_period_ms;
  return {{"kid", key.kid},
          {"alg", key.alg},
          {"state", keys::KeyStateName(key.state)},
          {"createdAt", FormatIsoMs(key.created_at_ms)},
          {"expiresAt", revoked ? OrderedJson(nullptr) : IsoOrNull(key.expires_at_ms)},
          {"publishedUntil", IsoOrNull(until)},
          {"revokedAt", revoked ? IsoOrNull(key.expires_at_ms) : OrderedJson(nullptr)},
          {"published", key.published}};
}

Result<OrderedJson> RingJson(AuthContext& ctx) {
  const keys::KeyPolicy& policy = ctx.keys.policy();
  const int64_t now = ctx.clock.NowMs();
  auto listed = ListKeys(ctx.repo, policy, now);
  if (!listed.ok()) return listed.error();
  OrderedJson list = OrderedJson::array();
  for (const KeyListing& key : *listed) list.push_back(KeyJson(key, policy));
  OrderedJson interval = nullptr;
  if (policy.rotation_interval_ms) interval = *policy.rotation_interval_ms / 1000;
  return OrderedJson{{"now", FormatIsoMs(now)},
                     {"keys", list},
                     {"gracePeriod", policy.grace_period_ms / 1000},
                     {"leadTime", policy.lead_time_ms / 1000},
                     {"rotationInterval", interval}};
}

// The ring after a change this process wrote: reloaded now, since an in-memory store has no
// change signal for the key timer to see.
HttpReply AfterChange(AuthContext& ctx, OrderedJson head) {
  if (Status st = ctx.keys.Load(); !st.ok()) return Failure(ctx, st.error());
  auto ring = RingJson(ctx);
  if (!ring.ok()) return Failure(ctx, ring.error());
  for (auto& [name, value] : ring->items()) head[name] = value;
  return JsonReply(Dump(head));
}

HttpReply GetKeys(AuthContext& ctx, const HttpRequest&) {
  auto ring = RingJson(ctx);
  if (!ring.ok()) return Failure(ctx, ring.error());
  return JsonReply(Dump(*ring));
}

HttpReply KeyRefusal(AuthContext& ctx, const Error& error) {
  if (error.code == Errc::kNotFound) return Refused(404, "KEY_NOT_FOUND", error.message);
  if (error.code == Errc::kConflict) return Refused(409, "STANDBY_EXISTS", error.message);
  if (error.code == Errc::kInvalidArgument) return Invalid(error.message);
  return Failure(ctx, error);
}

HttpReply RotateKeys(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  const json& in = std::get<json>(body);
  if (in.contains("now") && !in["now"].is_boolean()) return Invalid("now: expected true or false");
  const KeyAdminContext admin = AdminContext(ctx);
  OrderedJson head;
  if (in.value("now", false)) {
    auto kid = RotateKey(ctx.repo, admin);
    if (!kid.ok()) return KeyRefusal(ctx, kid.error());
    head = {{"kid", *kid}, {"signsAt", FormatIsoMs(admin.now_ms)}};
  } else {
    auto staged = StageStandbyKey(ctx.repo, admin);
    if (!staged.ok()) return KeyRefusal(ctx, staged.error());
    head = {{"kid", staged->kid}, {"signsAt", FormatIsoMs(staged->signs_at_ms)}};
  }
  ctx.log.Info("console_key_rotated", "kid=" + head["kid"].get<std::string>());
  return AfterChange(ctx, std::move(head));
}

HttpReply RevokeKeys(AuthContext& ctx, const HttpRequest& request) {
  auto body = ObjectBody(request);
  if (auto* refused = std::get_if<HttpReply>(&body)) return *refused;
  const json& in = std::get<json>(body);
  auto kid = TextField(in, "kid");
  if (!kid) return Invalid("kid: expected the kid of a key");
  if (in.contains("rotate") && !in["rotate"].is_boolean()) {
    return Invalid("rotate: expected true or false");
  }
  auto revoked = RevokeKey(ctx.repo, *kid, in.value("rotate", false), AdminContext(ctx));
  if (!revoked.ok() && revoked.error().code == Errc::kInvalidArgument) {
    return Invalid("key " + *kid +
                   " is the last key that signs; revoke it with "
                   "{\"rotate\": true} to make its replacement in the same step");
  }
  if (!revoked.ok()) return KeyRefusal(ctx, revoked.error());
  ctx.log.Info("console_key_revoked", "kid=" + *kid);
  return AfterChange(
      ctx, {{"revoked", *kid},
            {"replacement", revoked->has_value() ? OrderedJson(**revoked) : OrderedJson(nullptr)}});
}

}  // namespace

void AddKeyRoutes(AuthContext& ctx, std::vector<Route>* routes) {
  static constexpr Endpoint kEndpoints[] = {{"GET", "/__test/keys", &GetKeys},
                                            {"POST", "/__test/keys/rotate", &RotateKeys},
                                            {"POST", "/__test/keys/revoke", &RevokeKeys}};
  AddEndpoints(ctx, kEndpoints, routes);
}

}  // namespace issuer::server::console
