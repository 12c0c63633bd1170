#include "server/console/api_support.h"

#include <charconv>

#include "common/time_format.h"
#include "server/fixture/test_api.h"
#include "server/http/reply.h"
#include "server/http/request_body.h"

namespace issuer::server::console {

HttpReply Refused(int status, const std::string& code, const std::string& message) {
  return ErrorReply(ApiError::Custom(status, code, message));
}

HttpReply Failure(AuthContext& ctx, const Error& error) {
  return ErrorReply(LoggedFailure(ctx, error));
}

std::string Query(const HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? "" : it->second;
}

std::optional<int64_t> LimitOf(const HttpRequest& request, int64_t fallback) {
  const std::string text = Query(request, "limit");
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 1000) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> TextField(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) return std::nullopt;
  return it->get<std::string>();
}

Route Guarded(AuthContext& ctx, const char* method, const char* path,
              std::function<HttpReply(const HttpRequest&)> handler) {
  return Route{method, path,
               [&ctx, handler = std::move(handler)](const HttpRequest& request) {
                 if (auto refused = RefuseTestApiRequest(ctx, request)) return *refused;
                 return handler(request);
               },
               false, path};
}

OrderedJson IsoOrNull(const std::optional<int64_t>& ms) {
  return ms ? OrderedJson(FormatIsoMs(*ms)) : OrderedJson(nullptr);
}

OrderedJson SessionSummary(const storage::SessionRow& session,
                           const std::optional<storage::UserRow>& user, int64_t now_ms) {
  OrderedJson who = nullptr;
  if (user) who = {{"id", user->id}, {"email", user->email}, {"name", user->name}};
  return {{"id", session.id},
          {"userId", session.user_id},
          {"user", who},
          {"createdAt", FormatIsoMs(session.created_at_ms)},
          {"updatedAt", FormatIsoMs(session.updated_at_ms)},
          {"expiresAt", FormatIsoMs(session.expires_at_ms)},
          {"ipAddress", session.ip_address ? OrderedJson(*session.ip_address) : nullptr},
          {"userAgent", session.user_agent ? OrderedJson(*session.user_agent) : nullptr},
          {"state", session.expires_at_ms > now_ms ? "active" : "expired"},
          {"refreshed", session.updated_at_ms > session.created_at_ms}};
}

}  // namespace issuer::server::console
