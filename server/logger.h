#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace issuer::server {

// One line per event on a FILE*: "<iso time> <level> <event> key=value ...". Thread-safe.
// Callers never pass secrets, cookies, tokens or key material.
class Logger {
 public:
  explicit Logger(FILE* out) : out_(out) {}
  void Info(std::string_view event, std::string_view fields = {}) { Write("info", event, fields); }
  void Warn(std::string_view event, std::string_view fields = {}) { Write("warn", event, fields); }
  void Error(std::string_view event, std::string_view fields = {}) {
    Write("error", event, fields);
  }

 private:
  void Write(std::string_view level, std::string_view event, std::string_view fields);

  std::mutex mu_;
  FILE* out_;
};

}  // namespace issuer::server
