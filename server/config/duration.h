#pragma once

#include <optional>
#include <string_view>

#include <cstdint>

namespace issuer::server {

// Better Auth's time strings (its utils/time.ts, as jwt.expirationTime reads them): a number,
// an optional space and a unit ("15m", "1h", "7 days", "1.5h"; units s/sec/second(s),
// m/min/minute(s), h/hr/hour(s), d/day(s), w/week(s), mo/month(s) = 30 days, y/yr/year(s) =
// 365.25 days; case-insensitive). Returns whole seconds, rounded; nullopt if it does not parse.
// Signs and "ago" / "from now" are not taken: every ba-issuer duration is a positive span.
std::optional<int64_t> ParseDuration(std::string_view text);

}  // namespace issuer::server
