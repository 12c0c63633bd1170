#include "server/http/url.h"
#include "common/text.h"

#include <cctype>

namespace issuer::server {
namespace {

bool ValidHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return false;
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    return true;
  }
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return true;
}

bool ValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  long value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value <= 65535;
}

std::string DefaultPort(const std::string& scheme) {
  if (scheme == "http") return "80";
  if (scheme == "https") return "443";
  return "";
}

// Splits "host[:port]" (host may be a bracketed IPv6 literal).
bool SplitHostPort(std::string_view authority, std::string* host, std::string* port) {
  size_t colon = authority.npos;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == authority.npos) return false;
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return false;
      colon = close + 1;
    }
  } else {
    colon = authority.rfind(':');
  }
  *host = Lowercase(authority.substr(0, colon));
  *port = colon == authority.npos ? "" : std::string(authority.substr(colon + 1));
  return ValidHostName(*host) && (colon == authority.npos || ValidPort(*port));
}

}  // namespace

std::optional<ParsedUrl> ParseUrl(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == url.npos || sep == 0) return std::nullopt;
  ParsedUrl out;
  out.scheme = Lowercase(url.substr(0, sep));
  for (char c : out.scheme) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return std::nullopt;
    }
  }
  std::string_view rest = url.substr(sep + 3);
  // Browsers read '\' as '/' in http(s) URLs: "http://evil\@good/" is evil's origin.
  const bool special = out.scheme == "http" || out.scheme == "https";
  const size_t end = rest.find_first_of(special ? "/?#\\" : "/?#");
  std::string_view authority = rest.substr(0, end);
  if (const size_t at = authority.rfind('@'); at != authority.npos) {
    authority = authority.substr(at + 1);
  }
  if (!SplitHostPort(authority, &out.host, &out.port)) return std::nullopt;
  if (out.port == DefaultPort(out.scheme)) out.port.clear();
  if (end != rest.npos && (rest[end] == '/' || rest[end] == '\\')) {
    std::string_view path = rest.substr(end);
    out.path = std::string(path.substr(0, path.find_first_of("?#")));
  }
  return out;
}

std::optional<HostPort> ParseHostHeader(std::string_view host) {
  HostPort out;
  if (!SplitHostPort(host, &out.host, &out.port)) return std::nullopt;
  return out;
}

std::optional<std::string> OriginFromHost(std::string_view host, bool https) {
  std::string name, port;
  if (!SplitHostPort(host, &name, &port)) return std::nullopt;
  const std::string scheme = https ? "https" : "http";
  if (port == DefaultPort(scheme)) port.clear();
  return scheme + "://" + name + (port.empty() ? "" : ":" + port);
}

}  // namespace issuer::server
