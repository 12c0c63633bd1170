#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace issuer::keys {

// RFC 4648 §6 base32 (alphabet A-Z2-7), as @better-auth/utils/base32 writes it: otpauth URIs
// carry the secret without padding.
std::string Base32Encode(std::string_view bytes, bool padding = false);

// The inverse: uppercase alphabet only, stops at the first '=', leftover bits dropped (as
// Better Auth's decoder). kInvalidArgument for any other character.
Result<std::string> Base32Decode(std::string_view text);

}  // namespace issuer::keys
