#include "storage/redis/location.h"

#include <charconv>
#include <optional>

namespace issuer::storage::redis {
namespace {

std::optional<int> ParseInt(std::string_view text, int lo, int hi) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi) {
    return std::nullopt;
  }
  return value;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded, as in a URL's user information.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = HexDigit(text[i + 1]), lo = HexDigit(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Error Invalid(const std::string& what) {
  return Error{Errc::kInvalidArgument, "secondary storage URL: " + what};
}

Status ApplyOption(std::string_view key, std::string_view value, Location* out) {
  if (key == "pool") {
    auto n = ParseInt(value, 1, 256);
    if (!n) return Invalid("pool= takes a number from 1 to 256");
    out->pool_size = *n;
  } else if (key == "timeout" || key == "connect_timeout") {
    auto ms = ParseInt(value, 1, 60000);
    if (!ms) return Invalid(std::string(key) + "= takes milliseconds from 1 to 60000");
    (key == "timeout" ? out->command_timeout : out->connect_timeout) =
        std::chrono::milliseconds(*ms);
  } else if (key == "ca") {
    if (value.empty()) return Invalid("empty ca=");
    out->ca_file = std::string(value);
  } else {
    return Invalid("unknown option " + std::string(key) +
                   "= (known: pool, timeout, connect_timeout, ca)");
  }
  return Status::Ok();
}

Status ParseOptions(std::string_view query, Location* out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (Status st = ApplyOption(pair.substr(0, eq), value, out); !st.ok()) return st;
  }
  return Status::Ok();
}

Status ParseUserInfo(std::string_view info, Location* out) {
  const size_t colon = info.find(':');
  auto user = PercentDecode(info.substr(0, colon));
  auto password = PercentDecode(colon == std::string_view::npos ? "" : info.substr(colon + 1));
  if (!user || !password) return Invalid("a bad %-escape in the user or password");
  if (colon == std::string_view::npos) {
    // redis://secret@host: ioredis reads a lone user information as the password.
    out->password = *user;
  } else {
    out->user = *user;
    out->password = *password;
  }
  return Status::Ok();
}

Status ParseHostPort(std::string_view authority, Location* out) {
  std::string_view host = authority, port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("an unclosed [ in the host");
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(":")) return Invalid("a bad host");
    if (!rest.empty()) port = rest.substr(1);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!host.empty()) out->host = std::string(host);
  if (!port.empty()) {
    auto n = ParseInt(port, 1, 65535);
    if (!n) return Invalid("the port must be a number from 1 to 65535");
    out->port = *n;
  }
  return Status::Ok();
}

}  // namespace

bool IsRedisUrl(const std::string& location) {
  return location.starts_with("redis://") || location.starts_with("rediss://");
}

Result<Location> ParseLocation(const std::string& url) {
  if (!IsRedisUrl(url)) return Invalid("expected redis://host:port or rediss://host:port");
  Location out;
  out.tls = url.starts_with("rediss://");
  std::string_view rest = std::string_view(url).substr(out.tls ? 9 : 8);
  const size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    if (Status st = ParseOptions(rest.substr(q + 1), &out); !st.ok()) return st.error();
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    auto db = ParseInt(rest.substr(slash + 1), 0, 1 << 20);
    if (!db) return Invalid("the database after / must be a number");
    out.db = *db;
  }
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (Status st = ParseUserInfo(authority.substr(0, at), &out); !st.ok()) return st.error();
    authority = authority.substr(at + 1);
  }
  if (Status st = ParseHostPort(authority, &out); !st.ok()) return st.error();
  return out;
}

std::string Redact(const std::string& url) {
  if (!IsRedisUrl(url)) return url;
  std::string out = url;
  const size_t scheme = out.find("://") + 3;
  const size_t end = out.find_first_of("/?", scheme);
  const size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < scheme) return out;
  const size_t colon = out.find(':', scheme);
  if (colon != std::string::npos && colon < at) {
    out.replace(colon + 1, at - colon - 1, "***");
  } else {
    out.replace(scheme, at - scheme, "***");  // a lone user information is the password
  }
  return out;
}

}  // namespace issuer::storage::redis
