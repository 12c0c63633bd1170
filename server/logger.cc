#include "server/logger.h"

#include "common/clock.h"
#include "common/time_format.h"

namespace issuer::server {

void Logger::Write(std::string_view level, std::string_view event, std::string_view fields) {
  if (out_ == nullptr) return;
  const std::string line = FormatIsoMs(SystemNowMs()) + " " + std::string(level) + " " +
                           std::string(event) + (fields.empty() ? "" : " ") +
                           std::string(fields) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

}  // namespace issuer::server
