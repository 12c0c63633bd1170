#include "storage/postgres/location.h"

#include <charconv>
#include <optional>
#include <vector>

namespace issuer::storage::pg {
namespace {

// An integer in [lo, hi], or nullopt.
std::optional<int> ParseInt(const std::string& text, int lo, int hi) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < lo || value > hi) {
    return std::nullopt;
  }
  return value;
}

Status ApplyOption(const std::string& key, const std::string& value, Location* out) {
  if (key == "schema") {
    if (value.empty()) return Error{Errc::kInvalidArgument, "empty schema= in the database URL"};
    out->schema = value;
  } else if (key == "pool") {
    auto n = ParseInt(value, 1, 256);
    if (!n) return Error{Errc::kInvalidArgument, "pool= takes a number from 1 to 256"};
    out->pool_size = *n;
  } else {
    auto s = ParseInt(value, 1, 86400);
    if (!s) return Error{Errc::kInvalidArgument, "poll= takes seconds from 1 to 86400"};
    out->poll = std::chrono::seconds(*s);
  }
  return Status::Ok();
}

}  // namespace

bool IsPostgresUrl(const std::string& location) {
  return location.starts_with("postgres://") || location.starts_with("postgresql://");
}

Result<Location> ParseLocation(const std::string& url) {
  Location out;
  const size_t q = url.find('?');
  out.conninfo = url.substr(0, q);
  std::string kept;
  size_t start = q == std::string::npos ? url.size() + 1 : q + 1;
  while (start <= url.size()) {
    size_t end = url.find('&', start);
    if (end == std::string::npos) end = url.size();
    const std::string pair = url.substr(start, end - start);
    const size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (key == "schema" || key == "pool" || key == "poll") {
      if (Status st = ApplyOption(key, value, &out); !st.ok()) return st.error();
    } else if (!pair.empty()) {
      kept += (kept.empty() ? "?" : "&") + pair;
    }
    start = end + 1;
  }
  out.conninfo += kept;
  // A server that does not answer must not hold a request (or the start) for long.
  if (kept.find("connect_timeout=") == std::string::npos) {
    out.conninfo += std::string(kept.empty() ? "?" : "&") + "connect_timeout=3";
  }
  return out;
}

std::string Redact(const std::string& location) {
  if (!IsPostgresUrl(location)) return location;
  std::string out = location;
  const size_t scheme = out.find("://") + 3;
  const size_t slash = out.find_first_of("/?", scheme);
  const size_t at = out.rfind('@', slash == std::string::npos ? std::string::npos : slash);
  if (at != std::string::npos && at > scheme) {
    const size_t colon = out.find(':', scheme);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  const size_t pw = out.find("password=");
  if (pw != std::string::npos) {
    const size_t end = out.find('&', pw);
    out.replace(pw + 9, (end == std::string::npos ? out.size() : end) - pw - 9, "***");
  }
  return out;
}

}  // namespace issuer::storage::pg
