#include "common/logger.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "common/time_format.h"

namespace issuer {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool IsNumber(std::string_view s) {
  size_t i = s.size() > 1 && s[0] == '-' ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot && digits) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits && s.back() != '.' && !(s.size() > 1 && s[0] == '0' && s[1] != '.');
}

// "a=1 b=\"x y\"" as (key, value, quoted) triples; nullopt if it is not such a list.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseFields(
    std::string_view fields, std::vector<bool>* quoted) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < fields.size()) {
    const size_t eq = fields.find('=', i);
    if (eq == std::string_view::npos || eq == i) return std::nullopt;
    std::string key(fields.substr(i, eq - i));
    if (key.find(' ') != std::string::npos) return std::nullopt;
    std::string value;
    i = eq + 1;
    const bool is_quoted = i < fields.size() && fields[i] == '"';
    if (is_quoted) {
      for (++i; i < fields.size() && fields[i] != '"'; ++i) {
        if (fields[i] == '\\' && i + 1 < fields.size()) ++i;
        value += fields[i];
      }
      if (i >= fields.size()) return std::nullopt;
      ++i;
    } else {
      while (i < fields.size() && fields[i] != ' ') value += fields[i++];
    }
    if (i < fields.size() && fields[i] != ' ') return std::nullopt;
    while (i < fields.size() && fields[i] == ' ') ++i;
    out.emplace_back(std::move(key), std::move(value));
    quoted->push_back(is_quoted);
  }
  return out;
}

}  // namespace

std::string JsonLogLine(std::string_view time, std::string_view level, std::string_view event,
                        std::string_view fields) {
  std::string line = "{\"time\":" + JsonString(time) + ",\"level\":" + JsonString(level) +
                     ",\"event\":" + JsonString(event);
  std::vector<bool> quoted;
  auto pairs = ParseFields(fields, &quoted);
  if (!pairs) return line + ",\"msg\":" + JsonString(fields) + "}";
  for (size_t i = 0; i < pairs->size(); ++i) {
    const auto& [key, value] = (*pairs)[i];
    line += "," + JsonString(key) + ":" +
            (!quoted[i] && IsNumber(value) ? value : JsonString(value));
  }
  return line + "}";
}

Logger::Logger(FILE* out, const Clock& clock, LogFormat format, LogFlush flush)
    : out_(out), clock_(clock), format_(format) {
  if (out_ != nullptr && flush == LogFlush::kBackground) writer_ = std::thread([this] { RunWriter(); });
}

Logger::~Logger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  queued_cv_.notify_one();
  if (writer_.joinable()) writer_.join();
  std::lock_guard<std::mutex> write_lock(write_mu_);
  WriteQueued();
}

std::string Logger::Line(std::string_view level, std::string_view event,
                         std::string_view fields) const {
  const std::string time = FormatIsoMs(clock_.NowMs());
  if (format_ == LogFormat::kJson) return JsonLogLine(time, level, event, fields) + "\n";
  std::string line;
  line.reserve(time.size() + level.size() + event.size() + fields.size() + 4);
  line.append(time).append(1, ' ').append(level).append(1, ' ').append(event);
  if (!fields.empty()) line.append(1, ' ').append(fields);
  return line.append(1, '\n');
}

// A bound on what waits for the writer: past it, callers wait (as they would on a slow
// stderr without the writer), so memory stays bounded.
constexpr size_t kMaxQueuedBytes = 1 << 20;

void Logger::Queue(std::string line) {
  std::unique_lock<std::mutex> lock(mu_);
  drained_cv_.wait(lock, [this] { return queued_.size() < kMaxQueuedBytes || stop_; });
  const bool was_empty = queued_.empty();
  queued_ += line;
  const bool half_full = queued_.size() >= kMaxQueuedBytes / 2;
  lock.unlock();
  if (was_empty || half_full) queued_cv_.notify_one();
}

void Logger::WriteQueued() {
  std::string lines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lines.swap(queued_);
  }
  drained_cv_.notify_all();
  if (lines.empty()) return;
  std::fwrite(lines.data(), 1, lines.size(), out_);
  std::fflush(out_);
}

// Once woken by a first line, the writer lets lines pile up this long before writing them:
// under load one write (and one wake-up) per interval, not per line.
constexpr std::chrono::milliseconds kGatherLines{10};

void Logger::RunWriter() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      queued_cv_.wait(lock, [this] { return !queued_.empty() || stop_; });
      queued_cv_.wait_for(lock, kGatherLines,
                          [this] { return queued_.size() >= kMaxQueuedBytes / 2 || stop_; });
      if (stop_) return;  // the destructor writes the rest
    }
    std::lock_guard<std::mutex> write_lock(write_mu_);
    WriteQueued();
  }
}

void Logger::Write(std::string_view level, std::string_view event,
                   std::string_view fields) noexcept {
  if (out_ == nullptr) return;
  try {
    std::string line = Line(level, event, fields);
    if (writer_.joinable() && level == "info") return Queue(std::move(line));
    std::lock_guard<std::mutex> write_lock(write_mu_);
    WriteQueued();  // the lines queued ahead of this one first
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
  } catch (...) {
    // Out of memory: the line is lost; logging never throws into its caller.
  }
}

}  // namespace issuer
