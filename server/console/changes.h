#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/http/route.h"
#include "server/session/context.h"

namespace issuer::server::console {

// The console's cheap change signal: a version that grows whenever what the console shows may
// have changed. The console polls it (GET /__test/changes) and reloads its view when it moves.
// It moves on:
//   - every answered request that changes state: a 2xx/3xx answer to anything but GET, or a
//     GET that sets a cookie (a session refreshed by get-session);
//   - a commit of another connection or process to the store (its change signal);
//   - a change of the JWKS served (a standby made by the key timer, `keys rotate`).
// Thread-safe.
class ChangeCounter {
 public:
  // Counts `reply` to `request` if it changed state.
  void Observe(const HttpRequest& request, const HttpReply& reply);
  // The version now, after looking at the store's change signal and the JWKS.
  uint64_t Version(AuthContext& ctx);

 private:
  std::atomic<uint64_t> version_{0};
  std::mutex mu_;
  int64_t data_version_ = -1;  // guarded by mu_
  std::string jwks_etag_;      // guarded by mu_
};

// `routes` with every answer shown to `counter` (which they share) once made.
std::vector<Route> WithChangeCount(std::vector<Route> routes,
                                   std::shared_ptr<ChangeCounter> counter);

}  // namespace issuer::server::console
