#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace issuer::server::auth {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Parses an application/x-www-form-urlencoded body exactly as the WHATWG URL standard's
// urlencoded parser (URLSearchParams, Request.formData()) does:
//   - split on '&', skipping empty pieces; split each piece at its first '=' (no '=' means an
//     empty value);
//   - in names and values '+' becomes a space and %XX (hex in either case) becomes that byte;
//     a '%' not followed by two hex digits stays literal (no error, unlike decodeURIComponent);
//   - the bytes are then UTF-8 decoded with each ill-formed subpart replaced by U+FFFD.
// Node 20's URLSearchParams/formData deviate from the standard when a body mixes raw non-ASCII
// characters with escapes that decode to invalid UTF-8 ("\u00e9%FF" gives two U+FFFD); browsers
// never send such bodies, and this parser follows the standard.
// Pairs keep their order and duplicates; resolving duplicates is the caller's choice (a JS
// Object.fromEntries over the pairs keeps the last). The result is never nullopt: this parser, like
// URLSearchParams, cannot fail; the optional leaves room for future limits.
std::optional<FormFields> ParseFormUrlEncoded(std::string_view body);

}  // namespace issuer::server::auth
