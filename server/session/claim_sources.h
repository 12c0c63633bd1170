#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "server/config/config.h"
#include "server/session/context.h"
#include "storage/rows.h"

namespace issuer::server {

// The claims `picks` take from `sources` (source name -> its JSON value), in the picks' order
// (a later pick of the same claim wins): claim <- the value at the field's path, dots going
// into objects. A source that is absent or null, and a path that ends nowhere, add no claim;
// a null at the path's end is a null claim (as JavaScript's `value !== undefined`).
nlohmann::ordered_json PickClaims(const std::vector<ClaimPick>& picks,
                                  const std::map<std::string, nlohmann::ordered_json>& sources);

// The claims the config's claims.fromSession / from<Source> add to a token of `found`: the
// session as get-session shows it (source "session"), the plugins' sources each asked once.
// An empty object when the config picks none (nothing is read).
Result<nlohmann::ordered_json> SourcedClaims(AuthContext& ctx,
                                             const storage::SessionWithUser& found);

// kInvalidArgument naming the key (claims.fromMember) for a pick of a source that neither the
// core ("session") nor a loaded plugin serves: a startup misconfiguration.
Status CheckClaimSources(const ClaimShape& shape, const PluginSet& plugins);

}  // namespace issuer::server
