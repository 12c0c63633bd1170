#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace issuer::server {

// At most `max` requests in `window_s` seconds.
struct LimitRule {
  int64_t window_s = 10;
  int64_t max = 100;
  bool operator==(const LimitRule&) const = default;
};

// A rateLimit.customRules key as Better Auth's wildcardMatch reads it, with '/' as separator:
// '*' is any run within a segment, '?' one character of a segment, a "**" segment any run of
// segments, '\' escapes; slashes between segments may repeat, trailing ones are optional. A key
// without '*' matches only itself.
class PathPattern {
 public:
  explicit PathPattern(std::string_view pattern);
  bool Matches(std::string_view path) const;
  const std::string& text() const { return text_; }

 private:
  enum class Kind { kChar, kOne, kRun, kSlashes, kMaybeSlashes, kAnything, kNothingOrToSlash };
  struct Token {
    Kind kind;
    char c = 0;
  };
  bool MatchFrom(size_t token, size_t pos, std::string_view path,
                 std::vector<signed char>& memo) const;

  std::string text_;
  bool wildcard_ = false;
  std::vector<Token> tokens_;
};

// Which rule counts a path (relative to the base path, "/sign-in/email"), in Better Auth's
// order: the default rule; over it Better Auth's special rules (sign-in, sign-up,
// change-password, change-email: 3 per 10 s; request-password-reset, send-verification-email,
// forget-password and email-otp's sends: 3 per 60 s); over those the first plugin rule whose
// prefix the path has; over all, the first custom rule whose key matches (false: no limit).
struct RateLimitRules {
  struct PluginRule {
    std::string prefix;
    LimitRule rule;
  };
  struct CustomRule {
    PathPattern pattern;
    std::optional<LimitRule> rule;  // nullopt: the path is not limited
  };

  LimitRule fallback;                   // rateLimit.window, rateLimit.max
  std::vector<PluginRule> plugin;       // PluginSet::LimitRules()
  std::vector<CustomRule> custom;       // rateLimit.customRules, in the file's order

  // nullopt: `path` is not limited.
  std::optional<LimitRule> For(std::string_view path) const;
  // The longest window of any rule (how long a counted request matters).
  int64_t LongestWindowS() const;
};

}  // namespace issuer::server
