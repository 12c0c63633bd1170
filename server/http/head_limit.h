#pragma once

#include <cstddef>
#include <string_view>

namespace issuer::server {

// Bounds of a request head (request line, header lines, the blank line that ends them), as
// Node bounds it (--max-http-header-size, 16 KiB): past either, 431 and a close.
struct HeadLimits {
  size_t max_bytes = 16 * 1024;  // --max-header-size
  size_t max_fields = 100;       // --max-header-fields
};

// Finds where a request head ends, as cpp-httplib 0.11.4 reads one: the first line is the
// request line, and the head ends at the first later line that is exactly CRLF (a line ending
// in a bare LF is one the library skips; it counts here all the same). Feed the bytes as they
// arrive; once the state is not kIncomplete it no longer changes.
//   HeadScanner scan(limits);
//   while (scan.Feed(chunk) == HeadScanner::State::kIncomplete) { ...read more... }
class HeadScanner {
 public:
  enum class State {
    kIncomplete,  // no end yet, within the bounds
    kComplete,    // head_size() bytes make the head; what follows is the body (or the next request)
    kTooLarge,    // more than max_bytes without an end, or more than max_fields header lines
  };

  explicit HeadScanner(HeadLimits limits) : limits_(limits) {}

  // Scans `data`, the bytes that follow those fed before.
  State Feed(std::string_view data);
  State state() const { return state_; }
  // The head's length from the first byte fed. REQUIRES: state() == kComplete.
  size_t head_size() const { return scanned_; }

 private:
  HeadLimits limits_;
  State state_ = State::kIncomplete;
  size_t scanned_ = 0;     // bytes scanned (up to the end of the head once complete)
  size_t line_start_ = 0;  // offset of the current line
  size_t lines_ = 0;       // lines ended, the request line included
  char previous_ = 0;
};

}  // namespace issuer::server
