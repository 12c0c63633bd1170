#include "server/config/duration.h"

#include <cctype>
#include <cmath>
#include <string>

#include "common/text.h"

namespace issuer::server {
namespace {

struct Unit {
  const char* names[5];
  double seconds;
};
constexpr Unit kUnits[] = {
    {{"s", "sec", "secs", "second", "seconds"}, 1},
    {{"m", "min", "mins", "minute", "minutes"}, 60},
    {{"h", "hr", "hrs", "hour", "hours"}, 3600},
    {{"d", "day", "days", nullptr, nullptr}, 86400},
    {{"w", "week", "weeks", nullptr, nullptr}, 7 * 86400},
    {{"mo", "month", "months", nullptr, nullptr}, 30 * 86400},
    {{"y", "yr", "yrs", "year", "years"}, 365.25 * 86400},
};

std::optional<double> UnitSeconds(const std::string& unit) {
  for (const Unit& u : kUnits) {
    for (const char* name : u.names) {
      if (name != nullptr && unit == name) return u.seconds;
    }
  }
  return std::nullopt;
}

// "\d+" or "\d+\.\d+", as Better Auth's regex takes it.
std::optional<double> Amount(const std::string& digits) {
  const size_t dot = digits.find('.');
  auto all_digits = [](std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (dot == std::string::npos ? !all_digits(digits)
                               : !all_digits(std::string_view(digits).substr(0, dot)) ||
                                     !all_digits(std::string_view(digits).substr(dot + 1))) {
    return std::nullopt;
  }
  if (digits.size() > 15) return std::nullopt;
  return std::stod(digits);
}

}  // namespace

std::optional<int64_t> ParseDuration(std::string_view text) {
  const std::string s = Lowercase(text);
  size_t split = 0;
  while (split < s.size() && (std::isdigit(static_cast<unsigned char>(s[split])) || s[split] == '.')) {
    ++split;
  }
  auto amount = Amount(s.substr(0, split));
  size_t unit_start = split;
  if (unit_start < s.size() && s[unit_start] == ' ') ++unit_start;
  auto unit = UnitSeconds(s.substr(unit_start));
  if (!amount || !unit) return std::nullopt;
  const double seconds = std::round(*amount * *unit);
  if (seconds > 100.0 * 366 * 86400) return std::nullopt;
  return static_cast<int64_t>(seconds);
}

}  // namespace issuer::server
