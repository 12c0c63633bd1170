#include "server/http/limit_rules.h"

#include <algorithm>

namespace issuer::server {
namespace {

bool IsSlash(char c) { return c == '/' || c == '\\'; }

std::vector<std::string_view> Segments(std::string_view pattern) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t slash = pattern.find('/');
    out.push_back(pattern.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    pattern.remove_prefix(slash + 1);
  }
}

// Better Auth's getDefaultSpecialRules.
std::optional<LimitRule> SpecialRule(std::string_view path) {
  if (path.starts_with("/sign-in") || path.starts_with("/sign-up") ||
      path.starts_with("/change-password") || path.starts_with("/change-email")) {
    return LimitRule{10, 3};
  }
  if (path == "/request-password-reset" || path == "/send-verification-email" ||
      path.starts_with("/forget-password") || path == "/email-otp/send-verification-otp" ||
      path == "/email-otp/request-password-reset") {
    return LimitRule{60, 3};
  }
  return std::nullopt;
}

}  // namespace

// The tokens of Better Auth's wildcard transform() (separator "/"), segment by segment.
PathPattern::PathPattern(std::string_view pattern)
    : text_(pattern), wildcard_(pattern.find('*') != std::string_view::npos) {
  if (!wildcard_) return;
  const std::vector<std::string_view> segments = Segments(pattern);
  for (size_t s = 0; s < segments.size(); ++s) {
    const std::string_view segment = segments[s];
    if (segment.empty() && s > 0) continue;
    const bool last = s + 1 == segments.size();
    const bool before_globstar = !last && segments[s + 1] == "**";
    const Kind separator = last ? Kind::kMaybeSlashes : Kind::kSlashes;
    if (segment == "**") {
      if (before_globstar) continue;
      if (s > 0) tokens_.push_back({separator});
      tokens_.push_back({last ? Kind::kAnything : Kind::kNothingOrToSlash});
      continue;
    }
    for (size_t c = 0; c < segment.size(); ++c) {
      if (segment[c] == '\\') {
        if (c + 1 < segment.size()) tokens_.push_back({Kind::kChar, segment[++c]});
      } else if (segment[c] == '?') {
        tokens_.push_back({Kind::kOne});
      } else if (segment[c] == '*') {
        tokens_.push_back({Kind::kRun});
      } else {
        tokens_.push_back({Kind::kChar, segment[c]});
      }
    }
    if (!before_globstar) tokens_.push_back({separator});
  }
}

bool PathPattern::Matches(std::string_view path) const {
  if (!wildcard_) return path == text_;
  std::vector<signed char> memo((tokens_.size() + 1) * (path.size() + 1), -1);
  return MatchFrom(0, 0, path, memo);
}

// Whether tokens_[token..] match path[pos..] exactly; memo caches each (token, pos).
bool PathPattern::MatchFrom(size_t token, size_t pos, std::string_view path,
                            std::vector<signed char>& memo) const {
  if (token == tokens_.size()) return pos == path.size();
  signed char& known = memo[token * (path.size() + 1) + pos];
  if (known >= 0) return known == 1;
  const Token& t = tokens_[token];
  auto rest = [&](size_t at) { return MatchFrom(token + 1, at, path, memo); };
  const size_t end = path.size();
  bool ok = false;
  switch (t.kind) {
    case Kind::kChar:
      ok = pos < end && path[pos] == t.c && rest(pos + 1);
      break;
    case Kind::kOne:
      ok = pos < end && !IsSlash(path[pos]) && rest(pos + 1);
      break;
    case Kind::kRun:  // [^/]*
      for (size_t at = pos; !ok; ++at) {
        ok = rest(at);
        if (at == end || IsSlash(path[at])) break;
      }
      break;
    case Kind::kSlashes:  // /+
      for (size_t at = pos; !ok && at < end && IsSlash(path[at]); ++at) ok = rest(at + 1);
      break;
    case Kind::kMaybeSlashes:  // /*
      for (size_t at = pos; !ok; ++at) {
        ok = rest(at);
        if (at == end || !IsSlash(path[at])) break;
      }
      break;
    case Kind::kAnything:  // (?:[^/]*[/]*)*
      for (size_t at = pos; !ok && at <= end; ++at) ok = rest(at);
      break;
    case Kind::kNothingOrToSlash:  // (?:[^/]*[/]+)*: nothing, or up to and including a slash
      ok = rest(pos);
      for (size_t at = pos; !ok && at < end; ++at) ok = IsSlash(path[at]) && rest(at + 1);
      break;
  }
  known = ok ? 1 : 0;
  return ok;
}

std::optional<LimitRule> RateLimitRules::For(std::string_view path) const {
  LimitRule rule = SpecialRule(path).value_or(fallback);
  for (const PluginRule& p : plugin) {
    if (path.starts_with(p.prefix)) {
      rule = p.rule;
      break;
    }
  }
  for (const CustomRule& c : custom) {
    if (c.pattern.Matches(path)) return c.rule;
  }
  return rule;
}

int64_t RateLimitRules::LongestWindowS() const {
  int64_t longest = std::max<int64_t>(fallback.window_s, 60);  // 60: the special rules' longest
  for (const PluginRule& p : plugin) longest = std::max(longest, p.rule.window_s);
  for (const CustomRule& c : custom) {
    if (c.rule) longest = std::max(longest, c.rule->window_s);
  }
  return longest;
}

}  // namespace issuer::server
