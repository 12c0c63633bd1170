#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/logger.h"
#include "common/random.h"
#include "server/config/config.h"
#include "server/fixture/mailbox.h"
#include "server/http/api_error.h"
#include "server/http/origin_check.h"
#include "server/http/types.h"
#include "server/keyring/key_manager.h"
#include "server/plugins/plugin_set.h"
#include "server/session/password_gate.h"
#include "server/session/user_claims.h"
#include "storage/repository.h"

namespace issuer::server {

// What every Better Auth flow needs: the configuration, the secrets, the store, the key ring,
// the service's one clock, randomness and the log. Built once by App; the flows
// (sign_up.cc, sign_in.cc, ...) borrow it. Thread-safe.
struct AuthContext {
  AuthContext(const Config& cfg, const Secrets& sec, storage::Repository& repository,
              KeyManager& key_manager, const Clock& clk, Random rnd, Logger& logger)
      : config(cfg),
        secrets(sec),
        repo(repository),
        keys(key_manager),
        clock(clk),
        random(rnd),
        log(logger),
        trusted(cfg.trusted_origins),
        passwords(std::move(rnd)),
        mailbox(logger, cfg.mail_command, !cfg.production(), sec.mail_environment) {}
  AuthContext(const AuthContext&) = delete;
  AuthContext& operator=(const AuthContext&) = delete;

  const Config& config;
  const Secrets& secrets;
  storage::Repository& repo;
  KeyManager& keys;
  const Clock& clock;
  Random random;
  Logger& log;
  TrustedOrigins trusted;
  PasswordGate passwords;
  UserClaims user_claims;  // per-user extra JWT claims (--seed, test API)
  Mailbox mailbox;         // reset and verification mail (the dev mailbox)
  PluginSet plugins;       // set by App before the first request
  std::atomic<uint64_t> tokens_issued{0};  // JWTs minted for sessions (MintToken)
};

// Where a request comes from: the origin that is iss, aud and trusted, and whether cookies get
// the __Secure- prefix.
struct Site {
  std::string origin;
  bool secure;
};

// The base URL's origin, or (with none configured) http:// + the request's validated Host.
Site SiteOf(const Config& config, const HttpRequest& request);

// The wire error for a failure of the store or the key ring (503 when transient, else 500),
// logged with its reason (which never carries row data or secrets), since the wire hides it.
ApiError LoggedFailure(AuthContext& ctx, const Error& error);

// The ipAddress a new session stores: the client as the rate limiter keys it (ClientAddress:
// the peer, or what a trusted proxy reports), as Better Auth's normalizeIP writes it; "" with
// advanced.ipAddress.disableIpTracking. A request with no peer (made in-process) stores
// "127.0.0.1" in development and test and "" otherwise, as Better Auth does without an IP.
std::string ClientIp(const Config& config, const HttpRequest& request);

}  // namespace issuer::server
