#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace issuer {

enum class LogFormat {
  kText,  // <iso time> <level> <event> key=value ...
  kJson,  // {"time":"<iso time>","level":"<level>","event":"<event>","key":value,...}
};

// One line per event on a FILE*, timed by the service's Clock. Fields are "key=value" pairs
// separated by spaces; a value with spaces is double-quoted (\" and \\ escape). In JSON lines a
// bare number stays a number and anything else is a string; fields that do not parse as pairs
// go to "msg". Thread-safe; never throws (a line that cannot be built is dropped). Callers never
// pass secrets, cookies, tokens or key material.
class Logger {
 public:
  // `out` may be null (log nothing).
  Logger(FILE* out, const Clock& clock, LogFormat format = LogFormat::kText)
      : out_(out), clock_(clock), format_(format) {}
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
  const LogFormat format_;
};

// A JSON line for one event (LogFormat::kJson), without the newline.
std::string JsonLogLine(std::string_view time, std::string_view level, std::string_view event,
                        std::string_view fields);

}  // namespace issuer
