#include "server/session/claim_sources.h"

#include <cctype>

#include "server/session/render.h"

namespace issuer::server {
namespace {

using nlohmann::ordered_json;

constexpr char kSessionSource[] = "session";

// The value at `path` ("a.b") in `value`, or nullptr where it ends nowhere.
const ordered_json* At(const ordered_json& value, const std::string& path) {
  const ordered_json* at = &value;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string name = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object()) return nullptr;
    auto it = at->find(name);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string::npos) return at;
    start = dot + 1;
  }
}

std::string KeyOf(const std::string& source) {
  std::string key = "claims.from" + source;
  key[11] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[11])));
  return key;
}

}  // namespace

ordered_json PickClaims(const std::vector<ClaimPick>& picks,
                        const std::map<std::string, ordered_json>& sources) {
  ordered_json claims = ordered_json::object();
  for (const ClaimPick& pick : picks) {
    auto source = sources.find(pick.source);
    if (source == sources.end() || source->second.is_null()) continue;
    if (const ordered_json* value = At(source->second, pick.field)) claims[pick.claim] = *value;
  }
  return claims;
}

Result<ordered_json> SourcedClaims(AuthContext& ctx, const storage::SessionWithUser& found) {
  const std::vector<ClaimPick>& picks = ctx.config.claims.picks;
  if (picks.empty()) return ordered_json::object();
  std::map<std::string, ordered_json> sources;
  for (const ClaimPick& pick : picks) {
    if (sources.count(pick.source) != 0) continue;
    if (pick.source == kSessionSource) {
      sources[pick.source] = SessionJson(found.session);
      continue;
    }
    auto value = ctx.plugins.ClaimSource(ctx, pick.source, found);
    if (!value.ok()) return value.error();
    sources[pick.source] = std::move(*value);
  }
  return PickClaims(picks, sources);
}

Status CheckClaimSources(const ClaimShape& shape, const PluginSet& plugins) {
  for (const ClaimPick& pick : shape.picks) {
    if (pick.source == kSessionSource || plugins.ServesClaimSource(pick.source)) continue;
    return Error{Errc::kInvalidArgument,
                 KeyOf(pick.source) + ": no loaded plugin serves the claim source \"" +
                     pick.source + "\" (is the plugin that adds it enabled under \"plugins\"?)"};
  }
  return Status::Ok();
}

}  // namespace issuer::server
