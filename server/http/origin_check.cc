#include "server/http/origin_check.h"

#include <nlohmann/json.hpp>

#include "server/http/url.h"

namespace issuer::server {
namespace {

// '*' matches any run of characters.
bool WildcardMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Better Auth accepts relative callback paths such as "/dashboard?x=1", never "//host".
bool IsRelativePath(std::string_view url) {
  if (url.empty() || url[0] != '/') return false;
  if (url.size() > 1 && (url[1] == '/' || url[1] == '\\')) return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '\\') return false;
  }
  return true;
}

bool HasFetchMetadata(const HttpRequest& request) {
  return request.Header("sec-fetch-site") || request.Header("sec-fetch-mode") ||
         request.Header("sec-fetch-dest") || request.Header("sec-fetch-user");
}

std::optional<ApiError> ValidateOriginHeader(const HttpRequest& request,
                                             const TrustedOrigins& trusted,
                                             std::string_view base_origin) {
  std::optional<std::string> origin = request.Header("origin");
  // Better Auth infers the origin from the request itself for an opaque origin that the
  // browser says is same-origin.
  if (origin == "null" && request.Header("sec-fetch-site") == "same-origin") return std::nullopt;
  if (!origin || origin->empty() || *origin == "null") origin = request.Header("referer");
  if (!origin || origin->empty() || *origin == "null") {
    return ApiError{ApiCode::kMissingOrNullOrigin, ""};
  }
  if (!trusted.IsTrusted(*origin, base_origin)) return ApiError{ApiCode::kInvalidOrigin, ""};
  return std::nullopt;
}

}  // namespace

TrustedOrigins::TrustedOrigins(std::vector<std::string> patterns) {
  for (std::string& p : patterns) {
    if (p.find('*') != std::string::npos) {
      wildcard_.push_back(std::move(p));
    } else if (auto url = ParseUrl(p)) {
      exact_.push_back(url->Origin());
    }
  }
}

bool TrustedOrigins::IsTrusted(std::string_view url, std::string_view base_origin,
                               bool allow_relative) const {
  if (allow_relative && IsRelativePath(url)) return true;
  auto parsed = ParseUrl(url);
  if (!parsed) return false;
  const std::string origin = parsed->Origin();
  if (origin == base_origin) return true;
  for (const std::string& e : exact_) {
    if (e == origin) return true;
  }
  for (const std::string& w : wildcard_) {
    const bool with_scheme = w.find("://") != std::string::npos;
    if (WildcardMatch(w, with_scheme ? std::string_view(origin) : parsed->host)) return true;
  }
  return false;
}

std::optional<ApiError> CheckCookieOrigin(const HttpRequest& request,
                                          const TrustedOrigins& trusted,
                                          std::string_view base_origin) {
  if (request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS") {
    return std::nullopt;
  }
  if (!request.Header("cookie")) return std::nullopt;
  return ValidateOriginHeader(request, trusted, base_origin);
}

std::optional<ApiError> CheckLoginCsrf(const HttpRequest& request, const TrustedOrigins& trusted,
                                       std::string_view base_origin) {
  if (request.Header("cookie")) return std::nullopt;  // CheckCookieOrigin already ran
  if (request.Header("sec-fetch-site") == "cross-site" &&
      request.Header("sec-fetch-mode") == "navigate") {
    return ApiError{ApiCode::kCrossSiteNavigationBlocked, ""};
  }
  if (HasFetchMetadata(request) || request.Header("origin") || request.Header("referer")) {
    return ValidateOriginHeader(request, trusted, base_origin);
  }
  return std::nullopt;
}

std::optional<ApiError> CheckCallbackUrl(const nlohmann::json& body, const TrustedOrigins& trusted,
                                         std::string_view base_origin) {
  if (!body.is_object()) return std::nullopt;
  auto it = body.find("callbackURL");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return ApiError{ApiCode::kCallbackUrlNotString, ""};
  if (!trusted.IsTrusted(it->get_ref<const std::string&>(), base_origin, true)) {
    return ApiError{ApiCode::kInvalidCallbackUrl, ""};
  }
  return std::nullopt;
}

}  // namespace issuer::server
