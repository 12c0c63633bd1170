#include "server/http/cookies.h"
#include "common/text.h"

namespace issuer::server {
std::optional<std::string> FindCookie(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos <= header.size()) {
    const size_t semi = header.find(';', pos);
    std::string_view pair = header.substr(pos, semi == header.npos ? header.npos : semi - pos);
    const size_t eq = pair.find('=');
    if (eq != pair.npos && TrimView(pair.substr(0, eq)) == name) {
      std::string_view value = TrimView(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
    if (semi == header.npos) break;
    pos = semi + 1;
  }
  return std::nullopt;
}

std::string CookieName(std::string_view suffix, bool secure) {
  return std::string(secure ? "__Secure-" : "") + "better-auth." + std::string(suffix);
}

std::string SetCookieValue(std::string_view name, std::string_view value,
                           std::optional<int64_t> max_age_s, bool secure) {
  std::string out = std::string(name) + "=" + std::string(value);
  if (max_age_s) out += "; Max-Age=" + std::to_string(*max_age_s);
  out += "; Path=/; HttpOnly";
  if (secure) out += "; Secure";
  out += "; SameSite=Lax";
  return out;
}

}  // namespace issuer::server
