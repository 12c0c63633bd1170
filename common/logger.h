#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace issuer {

// One line per event on a FILE*: "<iso time> <level> <event> key=value ...", timed by the
// service's Clock. Thread-safe; never throws (a line that cannot be built is dropped). Callers
// never pass secrets, cookies, tokens or key material.
class Logger {
 public:
  // `out` may be null (log nothing).
  Logger(FILE* out, const Clock& clock) : out_(out), clock_(clock) {}
  void Info(std::string_view event, std::string_view fields = {}) noexcept {
    Write("info", event, fields);
  }
  void Warn(std::string_view event, std::string_view fields = {}) noexcept {
    Write("warn", event, fields);
  }
  void Error(std::string_view event, std::string_view fields = {}) noexcept {
    Write("error", event, fields);
  }

 private:
  void Write(std::string_view level, std::string_view event, std::string_view fields) noexcept;

  std::mutex mu_;
  FILE* out_;
  const Clock& clock_;
};

}  // namespace issuer
