#pragma once

#include <string>
#include <string_view>

namespace issuer::server::auth {

// True iff `text` is well-formed UTF-8 (RFC 3629 / Unicode Table 3-7: no overlong forms, no
// surrogates U+D800..U+DFFF, nothing above U+10FFFF). The empty string is valid.
bool IsValidUtf8(std::string_view text);

// WHATWG Encoding "UTF-8 decode without BOM" followed by re-encoding: valid sequences are copied
// unchanged and each maximal ill-formed subpart is replaced by U+FFFD (EF BF BD). A leading BOM is
// kept. The result is always valid UTF-8; valid input is returned unchanged.
std::string ReplaceInvalidUtf8(std::string_view bytes);

}  // namespace issuer::server::auth
