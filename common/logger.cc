#include "common/logger.h"

#include "common/time_format.h"

namespace issuer {

void Logger::Write(std::string_view level, std::string_view event,
                   std::string_view fields) noexcept {
  if (out_ == nullptr) return;
  try {
    const std::string line = FormatIsoMs(clock_.NowMs()) + " " + std::string(level) + " " +
                             std::string(event) + (fields.empty() ? "" : " ") +
                             std::string(fields) + "\n";
    std::lock_guard<std::mutex> lock(mu_);
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
  } catch (...) {
    // Out of memory: the line is lost; logging never throws into its caller.
  }
}

}  // namespace issuer
