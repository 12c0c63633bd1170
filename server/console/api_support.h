#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "server/fixture/test_api.h"
#include "server/http/route.h"
#include "server/http/types.h"
#include "server/session/context.h"
#include "server/session/render.h"
#include "storage/rows.h"

namespace issuer::server::console {

// What the dev console's /__test routes share: query reading, their error replies (Better
// Auth's {"message","code"} shape), the test API's guard, and the console's session summary.

using nlohmann::json;

// ObjectBody and Invalid are the test API's (server/fixture/test_api.h).
// `status` {"message": message, "code": code}.
HttpReply Refused(int status, const std::string& code, const std::string& message);
// A failure of the store or the key ring: 503 when transient, else 500; logged, never sent.
HttpReply Failure(AuthContext& ctx, const Error& error);

// The query parameter `name`, "" when absent.
std::string Query(const HttpRequest& request, const std::string& name);
// ?limit=N, 1 to 1000; `fallback` when absent; nullopt when it is anything else.
std::optional<int64_t> LimitOf(const HttpRequest& request, int64_t fallback);

// A required non-empty string member of `body`, or nullopt.
std::optional<std::string> TextField(const json& body, const char* name);

// A route that first refuses what the test API refuses (RefuseTestApiRequest: 404 to a peer
// that is not loopback, 403 to a page of an untrusted origin). `ctx` must outlive it.
Route Guarded(AuthContext& ctx, const char* method, const char* path,
              std::function<HttpReply(const HttpRequest&)> handler);

// A session as the console lists it, without its token (a credential):
// {id, userId, user: {id, email, name} | null, createdAt, updatedAt, expiresAt, ipAddress,
//  userAgent, state: "active" | "expired", refreshed}. `refreshed`: its expiry was extended
// after it was made (updatedAt > createdAt).
OrderedJson SessionSummary(const storage::SessionRow& session,
                           const std::optional<storage::UserRow>& user, int64_t now_ms);

// Milliseconds as Better Auth's ISO text; null when absent.
OrderedJson IsoOrNull(const std::optional<int64_t>& ms);

}  // namespace issuer::server::console
