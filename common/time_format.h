#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace issuer {

// Formats Unix milliseconds as Better Auth stores and sends dates: "2026-11-24T05:44:34.082Z".
std::string FormatIsoMs(int64_t unix_ms);

// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (or a "+HH:MM" offset) back to Unix milliseconds.
// Returns nullopt for anything else.
std::optional<int64_t> ParseIsoMs(std::string_view text);

}  // namespace issuer
