#pragma once

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"

namespace issuer {

// When lines reach the FILE*: each one written and flushed before the call returns, or info
// lines handed to a writer thread that writes whatever has piled up in one go (a server's
// access log: no write and no lock held across one on the request path). Warnings and errors
// are always written before the call returns, after the lines queued ahead of them.
enum class LogFlush { kEachLine, kBackground };

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
  Logger(FILE* out, const Clock& clock, LogFormat format = LogFormat::kText,
         LogFlush flush = LogFlush::kEachLine);
  // Writes the lines still queued.
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;
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
  std::string Line(std::string_view level, std::string_view event, std::string_view fields) const;
  void Queue(std::string line);
  // Writes the queued lines. REQUIRES: write_mu_ held.
  void WriteQueued();
  void RunWriter();

  FILE* out_;
  const Clock& clock_;
  const LogFormat format_;
  std::mutex write_mu_;  // held while writing to out_; taken before mu_
  std::mutex mu_;        // guards queued_ and stop_
  std::condition_variable queued_cv_;   // lines queued, or stop
  std::condition_variable drained_cv_;  // the queue was taken
  std::string queued_;
  bool stop_ = false;
  std::thread writer_;  // only with LogFlush::kBackground
};

// A JSON line for one event (LogFormat::kJson), without the newline.
std::string JsonLogLine(std::string_view time, std::string_view level, std::string_view event,
                        std::string_view fields);

}  // namespace issuer
