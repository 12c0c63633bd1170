#include "tests/support/wire.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace issuer::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n..." (without the blank line).
WireResponse ParseHead(const std::string& head) {
  WireResponse res;
  size_t line_end = head.find("\r\n");
  res.status = std::atoi(head.substr(9, 3).c_str());
  while (line_end != std::string::npos && line_end + 2 < head.size()) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t value = line.find_first_not_of(' ', colon + 1);
    res.headers.emplace(Lower(line.substr(0, colon)),
                        value == std::string::npos ? "" : line.substr(value));
  }
  return res;
}

}  // namespace

WireConnection::WireConnection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd_ >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
}

WireConnection::~WireConnection() {
  if (fd_ >= 0) close(fd_);
}

bool WireConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool WireConnection::Fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[16384];
  const ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<WireResponse> WireConnection::ReadResponse(int timeout_ms) {
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(timeout_ms)) return std::nullopt;
  }
  WireResponse res = ParseHead(buffer_.substr(0, end));
  const size_t length = std::strtoul(res.Header("content-length").c_str(), nullptr, 10);
  while (buffer_.size() < end + 4 + length) {
    if (!Fill(timeout_ms)) return std::nullopt;
  }
  res.body = buffer_.substr(end + 4, length);
  buffer_.erase(0, end + 4 + length);
  return res;
}

bool WireConnection::ClosedByServer(int timeout_ms, std::string* extra) {
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) break;
    char buf[16384];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      *extra = buffer_;
      return true;
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
  *extra = buffer_;
  return false;
}

std::optional<WireResponse> RoundTrip(int port, std::string_view request, int timeout_ms) {
  WireConnection conn(port);
  if (!conn.Send(request)) return std::nullopt;
  return conn.ReadResponse(timeout_ms);
}

}  // namespace issuer::testing
