#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace issuer::storage::pg {

// A postgres:// or postgresql:// URL split into what libpq reads and ba-issuer's own options,
// which libpq would refuse and are removed from the URL:
//   schema=NAME   the schema of Better Auth's tables (default: the server's search_path)
//   pool=N        connections in the pool (default 8)
//   poll=S        seconds between jwks polls that catch keys written without a NOTIFY (default 30)
struct Location {
  std::string conninfo;  // the URL libpq connects with
  std::string schema;    // empty: search_path decides
  int pool_size = 8;
  std::chrono::milliseconds poll{30000};
};

bool IsPostgresUrl(const std::string& location);
Result<Location> ParseLocation(const std::string& url);
// `location` with any password replaced by "***", for messages and logs.
std::string Redact(const std::string& location);

}  // namespace issuer::storage::pg
