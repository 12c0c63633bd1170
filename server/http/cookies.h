#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace issuer::server {

// The value of the first cookie called `name` in a Cookie header (Better Auth: first occurrence
// wins), with surrounding whitespace trimmed. cpp-httplib has already percent-decoded the header
// once, so the value is not decoded again: both the encoded and the raw form of a signed value
// arrive here as the raw form.
std::optional<std::string> FindCookie(std::string_view header, std::string_view name);

// Better Auth's cookie names: "[__Secure-]better-auth.<suffix>".
std::string CookieName(std::string_view suffix, bool secure);

// A Set-Cookie value in better-call's attribute order:
// name=value[; Max-Age=N]; Path=/; HttpOnly[; Secure]; SameSite=Lax
std::string SetCookieValue(std::string_view name, std::string_view value,
                           std::optional<int64_t> max_age_s, bool secure);

}  // namespace issuer::server
