#include "server/auth/email.h"

#include <algorithm>
#include <cstddef>

namespace issuer::server::auth {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || (c >= '0' && c <= '9'); }

// [A-Za-z0-9_+-]: the class of the local part's last character.
bool IsLocalTailChar(char c) { return IsAsciiAlnum(c) || c == '_' || c == '+' || c == '-'; }

// [A-Za-z0-9_'+\-]: the class of every other non-dot local-part character.
bool IsLocalChar(char c) { return IsLocalTailChar(c) || c == '\''; }

// The regex's `(?:X+\.)*X*T` with X = IsLocalChar and T = IsLocalTailChar accepts exactly the
// non-empty strings over X and '.' that end in T, do not start with '.' and contain no "..".
bool IsValidLocalPart(std::string_view local) {
  if (local.empty() || local.front() == '.' || !IsLocalTailChar(local.back())) return false;
  char previous = '\0';
  for (char c : local) {
    if (c == '.' ? previous == '.' : !IsLocalChar(c)) return false;
    previous = c;
  }
  return true;
}

// [A-Za-z0-9][A-Za-z0-9\-]*
bool IsValidLabel(std::string_view label) {
  if (label.empty() || !IsAsciiAlnum(label.front())) return false;
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return IsAsciiAlnum(c) || c == '-'; });
}

// (?:LABEL\.)+[A-Za-z]{2,}: labels contain no '.', so the split at dots is the only possible one.
bool IsValidDomain(std::string_view domain) {
  const size_t last_dot = domain.rfind('.');
  if (last_dot == std::string_view::npos) return false;
  const std::string_view tld = domain.substr(last_dot + 1);
  if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), IsAsciiAlpha)) return false;
  std::string_view labels = domain.substr(0, last_dot);
  while (true) {
    const size_t dot = labels.find('.');
    if (!IsValidLabel(labels.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    labels.remove_prefix(dot + 1);
  }
}

}  // namespace

bool IsValidEmail(std::string_view email) {
  // Neither side's character classes contain '@', so the first '@' is the only possible split.
  const size_t at = email.find('@');
  if (at == std::string_view::npos) return false;
  return IsValidLocalPart(email.substr(0, at)) && IsValidDomain(email.substr(at + 1));
}

}  // namespace issuer::server::auth
