#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace issuer::storage::redis {

// A redis:// or rediss:// (TLS) URL, as Better Auth apps write them for ioredis:
//   redis://[[user]:password@]host[:port][/db][?option=value&...]
// ba-issuer's options:
//   pool=N                 connections in the pool (default 8, 1..256)
//   timeout=MS             the limit on each command's round trip (default 500)
//   connect_timeout=MS     the limit on connecting (default 1000)
//   ca=PATH                rediss: the CA file that signs the server's certificate (default:
//                          the system's); the server's name is always checked
struct Location {
  bool tls = false;
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // empty: AUTH with the password alone (or none)
  std::string password;  // empty: no AUTH
  int db = 0;
  int pool_size = 8;
  std::chrono::milliseconds command_timeout{500};
  std::chrono::milliseconds connect_timeout{1000};
  std::string ca_file;
};

bool IsRedisUrl(const std::string& location);
// kInvalidArgument naming what is wrong (never the password).
Result<Location> ParseLocation(const std::string& url);
// `url` with any password replaced by "***", for messages and logs.
std::string Redact(const std::string& url);

}  // namespace issuer::storage::redis
