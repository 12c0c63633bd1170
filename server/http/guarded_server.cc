#include "server/http/guarded_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

#include "server/http/sockets.h"

namespace issuer::server {
namespace {

// Reads from the socket go through buffers of this size (as the library's SocketStream).
constexpr size_t kReadChunk = 4096;
// Writes are gathered up to this much before they are sent (PrefixedStream).
constexpr size_t kWriteChunk = 64 * 1024;
// After a 431, at most this much more of the refused request is read and dropped, for at most
// this long, before the close: a client still sending then reads the answer instead of a reset.
constexpr size_t kDrainBytes = 256 * 1024;
constexpr std::chrono::milliseconds kDrainTime{1000};

int TimeoutMs(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

// True once `sock` is ready for `events` (or closed, or in error) within `timeout_ms`.
bool Ready(socket_t sock, short events, int timeout_ms) {
  pollfd p{sock, events, 0};
  int n = 0;
  do {
    n = poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

ssize_t Recv(socket_t sock, char* data, size_t size, int flags = 0) {
  ssize_t n = 0;
  do {
    n = recv(sock, data, size, flags);
  } while (n < 0 && errno == EINTR);
  return n;
}

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

// recv, waiting at most `timeout_ms` for bytes: -1 when none came. The socket is asked first
// and polled only when it has nothing yet, so a request already there costs one system call.
ssize_t RecvWithin(socket_t sock, char* data, size_t size, int timeout_ms) {
  const ssize_t n = Recv(sock, data, size, MSG_DONTWAIT);
  if (n >= 0 || !WouldBlock()) return n;
  if (!Ready(sock, POLLIN, timeout_ms)) return -1;
  return Recv(sock, data, size);
}

// The library's is_socket_alive: the peer has not closed its side.
bool Alive(socket_t sock) {
  if (!Ready(sock, POLLIN, 0)) return true;
  char byte = 0;
  return Recv(sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

// Sends all of `data`, waiting at most `timeout_ms` each time the socket's buffer is full.
bool SendAll(socket_t sock, std::string_view data, int timeout_ms) {
  while (!data.empty()) {
    const ssize_t n = send(sock, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && WouldBlock()) {
      if (!Ready(sock, POLLOUT, timeout_ms)) return false;
      continue;
    }
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// What was read of a request head before the scanner decided (or the client stopped sending).
struct Head {
  HeadScanner::State state;
  std::string bytes;  // the head, and whatever followed it in the same reads
  ssize_t last_read;  // the final recv's result when incomplete: 0 closed, -1 timed out
};

Head ReadHead(socket_t sock, const HeadLimits& limits, int read_ms) {
  HeadScanner scan(limits);
  Head head{HeadScanner::State::kIncomplete, {}, -1};
  while (scan.state() == HeadScanner::State::kIncomplete) {
    const size_t old = head.bytes.size();
    head.bytes.resize(old + kReadChunk);
    const ssize_t n = RecvWithin(sock, head.bytes.data() + old, kReadChunk, read_ms);
    head.bytes.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n <= 0) {
      head.last_read = n;
      return head;
    }
    head.state = scan.Feed(std::string_view(head.bytes).substr(old));
  }
  return head;
}

// The library's SocketStream, reading first the bytes the head was pre-read into. Past them,
// from the socket, unless the pre-read ended without a complete head: then the stream ends
// there as the socket did (closed, or silent past the read timeout).
// Writes are gathered and sent at once, so that a reply's head and body leave in one send and
// one TCP segment: before the stream next reads (a 100 Continue is out before the body is
// awaited), once kWriteChunk is gathered, and at Flush(), which the owner calls when the
// request is done. A failed send fails every later write.
class PrefixedStream final : public httplib::Stream {
 public:
  PrefixedStream(socket_t sock, Head head, const PeerAddresses& peer, int read_ms, int write_ms)
      : sock_(sock),
        buffer_(std::move(head.bytes)),
        more_(head.state == HeadScanner::State::kComplete),
        end_(head.last_read),
        peer_(peer),
        read_ms_(read_ms),
        write_ms_(write_ms) {}

  bool is_readable() const override {
    if (offset_ < buffer_.size()) return true;
    return more_ && Flush() && Ready(sock_, POLLIN, read_ms_);
  }
  bool is_writable() const override {
    return !failed_ && Ready(sock_, POLLOUT, write_ms_) && Alive(sock_);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (size == 1 && offset_ < buffer_.size()) {  // the library reads a head byte by byte
      *ptr = buffer_[offset_++];
      return 1;
    }
    if (offset_ == buffer_.size()) {
      if (!more_) return end_;
      if (!Flush()) return -1;
      if (size >= kReadChunk) return RecvWithin(sock_, ptr, size, read_ms_);
      buffer_.resize(kReadChunk);
      const ssize_t n = RecvWithin(sock_, buffer_.data(), kReadChunk, read_ms_);
      buffer_.resize(static_cast<size_t>(std::max<ssize_t>(n, 0)));
      offset_ = 0;
      if (n <= 0) return n;
    }
    const size_t n = std::min(size, buffer_.size() - offset_);
    std::memcpy(ptr, buffer_.data() + offset_, n);
    offset_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (failed_) return -1;
    pending_.append(ptr, size);
    if (pending_.size() >= kWriteChunk && !Flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  // Sends what was written and not yet sent; false if the peer could not take it in time.
  // Const, as is_readable() (which must flush first) is in the library's interface.
  bool Flush() const {
    if (failed_) return false;
    if (pending_.empty()) return true;
    failed_ = !SendAll(sock_, pending_, write_ms_);
    pending_.clear();
    return !failed_;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.remote_ip;
    port = peer_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.local_ip;
    port = peer_.local_port;
  }
  socket_t socket() const override { return sock_; }

 private:
  const socket_t sock_;
  std::string buffer_;
  size_t offset_ = 0;
  const bool more_;
  const ssize_t end_;
  const PeerAddresses& peer_;
  const int read_ms_;
  const int write_ms_;
  mutable std::string pending_;
  mutable bool failed_ = false;
};

// The method and path of a refused head's request line, if it is all there.
RefusedHead Describe(std::string_view head) {
  const size_t eol = head.find('\n');
  if (eol == std::string_view::npos) return {};
  const std::string_view line = head.substr(0, eol);
  const size_t first = line.find(' ');
  if (first == std::string_view::npos) return {};
  const size_t second = line.find(' ', first + 1);
  return {std::string(line.substr(0, first)),
          std::string(line.substr(first + 1, second == line.npos ? line.npos : second - first - 1))};
}

}  // namespace

bool GuardedServer::process_and_close_socket(socket_t sock) {
  bool ret = false;
  try {
    // A connection's two ends stay what they are: read once, not once per request.
    PeerAddresses peer;
    SocketAddress(sock, /*peer=*/true, &peer.remote_ip, &peer.remote_port);
    SocketAddress(sock, /*peer=*/false, &peer.local_ip, &peer.local_port);
    for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ != INVALID_SOCKET; --left) {
      if (!Ready(sock, POLLIN, TimeoutMs(keep_alive_timeout_sec_, 0))) break;
      bool closed = false;
      ret = ServeOne(sock, peer, left == 1, &closed);
      if (!ret || closed) break;
    }
  } catch (...) {  // bad_alloc: the connection closes, the server goes on
    ret = false;
  }
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return ret;
}

bool GuardedServer::ServeOne(socket_t sock, const PeerAddresses& peer, bool last,
                            bool* closed) {
  const int read_ms = TimeoutMs(read_timeout_sec_, read_timeout_usec_);
  Head head = ReadHead(sock, limits_, read_ms);
  if (head.state == HeadScanner::State::kTooLarge) {
    Refuse(sock, head.bytes);
    return false;
  }
  if (head.bytes.empty()) return false;  // closed or silent before a byte: as the library
  PrefixedStream stream(sock, std::move(head), peer, read_ms,
                        TimeoutMs(write_timeout_sec_, write_timeout_usec_));
  const bool served = process_request(stream, last, *closed, nullptr);
  return stream.Flush() && served;
}

// Node's answer to an oversized head, then a lingering close: our side shut for writing, the
// rest of the refused request read and dropped under kDrainBytes and kDrainTime.
void GuardedServer::Refuse(socket_t sock, const std::string& head) const {
  static constexpr std::string_view kAnswer =
      "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
      "Content-Length: 0\r\n\r\n";
  const bool sent = SendAll(sock, kAnswer, TimeoutMs(write_timeout_sec_, write_timeout_usec_));
  if (refused_) refused_(Describe(head));
  if (!sent || shutdown(sock, SHUT_WR) != 0) return;
  const auto deadline = std::chrono::steady_clock::now() + kDrainTime;
  char sink[kReadChunk];
  for (size_t drained = 0; drained < kDrainBytes;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !Ready(sock, POLLIN, static_cast<int>(left.count()))) return;
    const ssize_t n = Recv(sock, sink, sizeof sink);
    if (n <= 0) return;
    drained += static_cast<size_t>(n);
  }
}

}  // namespace issuer::server
