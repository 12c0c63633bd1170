#include "server/http/head_limit.h"

namespace issuer::server {

HeadScanner::State HeadScanner::Feed(std::string_view data) {
  for (const char c : data) {
    if (state_ != State::kIncomplete) break;
    if (++scanned_ > limits_.max_bytes) {
      state_ = State::kTooLarge;
      break;
    }
    if (c == '\n') {
      const bool blank = scanned_ - line_start_ == 2 && previous_ == '\r';
      if (blank && lines_ > 0) {
        state_ = State::kComplete;
        break;
      }
      ++lines_;
      line_start_ = scanned_;
      if (lines_ - 1 > limits_.max_fields) state_ = State::kTooLarge;
    }
    previous_ = c;
  }
  return state_;
}

}  // namespace issuer::server
