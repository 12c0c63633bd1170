#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "common/result.h"
#include "storage/redis/location.h"

namespace issuer::storage::redis {

using Deadline = std::chrono::steady_clock::time_point;

// A byte stream to the server: TCP, or TLS over TCP for rediss://. Each call returns once it
// moved at least one byte, or fails with kUnavailable at `deadline` (or on any socket error,
// or when the server closed the stream).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<size_t> Write(const char* data, size_t size, Deadline deadline) = 0;
  virtual Result<size_t> Read(char* buffer, size_t size, Deadline deadline) = 0;
};

// Connects to where.host:port within where.connect_timeout; for where.tls also completes the
// TLS handshake in that time, checking the certificate against where.ca_file (or the system's
// CAs) and the host name.
Result<std::unique_ptr<Transport>> Connect(const Location& where);

}  // namespace issuer::storage::redis
