#pragma once

#include <memory>

#include "server/session/context.h"
#include "server/social/dev_provider.h"
#include "server/social/options.h"
#include "server/social/outgoing.h"
#include "server/social/providers.h"

namespace issuer::server::social {

// What the social routes share: the auth context, the parsed options, the outgoing client, the
// providers and (with --dev-oauth) the dev provider. Built once by App. Thread-safe.
struct SocialService {
  SocialService(AuthContext& auth, SocialOptions opts, OutgoingHttp::Limits limits,
                DevProvider* dev_provider)
      : ctx(auth),
        account(opts.account),
        http(limits),
        providers(std::move(opts.providers), http),
        dev(dev_provider) {}

  AuthContext& ctx;
  const AccountOptions account;
  const OutgoingHttp http;
  ProviderRegistry providers;
  DevProvider* dev;  // nullptr without --dev-oauth
};

}  // namespace issuer::server::social
