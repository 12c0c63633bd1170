#include "storage/redis/transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace issuer::storage::redis {
namespace {

Error Unavailable(const std::string& why) { return Error{Errc::kUnavailable, "redis: " + why}; }

int MillisLeft(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Waits until `fd` is ready for `events`; false at the deadline.
bool WaitFor(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, MillisLeft(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// A socket fd, closed when it goes.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& o) noexcept : fd_(o.release()) {}
  Socket& operator=(Socket&&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Result<Socket> ConnectOne(const addrinfo& ai, Deadline deadline) {
  Socket s(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (s.get() < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  if (::connect(s.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return Unavailable(std::string("connect: ") + std::strerror(errno));
    if (!WaitFor(s.get(), POLLOUT, deadline)) return Unavailable("connect timed out");
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Unavailable(std::string("connect: ") + std::strerror(err));
  }
  const int one = 1;
  ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return s;
}

Result<Socket> ConnectTcp(const Location& where, Deadline deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(where.port);
  if (int rc = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Unavailable("cannot resolve " + where.host + ": " + ::gai_strerror(rc));
  }
  Error last = Unavailable("no address for " + where.host);
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    auto s = ConnectOne(*ai, deadline);
    if (s.ok()) {
      ::freeaddrinfo(found);
      return s;
    }
    last = s.error();
  }
  ::freeaddrinfo(found);
  return last;
}

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(Socket s) : s_(std::move(s)) {}

  Result<size_t> Write(const char* data, size_t size, Deadline deadline) override {
    for (;;) {
      const ssize_t n = ::send(s_.get(), data, size, MSG_NOSIGNAL);
      if (n > 0) return static_cast<size_t>(n);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        return Unavailable(std::string("write: ") + std::strerror(errno));
      }
      if (!WaitFor(s_.get(), POLLOUT, deadline)) return Unavailable("command timed out");
    }
  }

  Result<size_t> Read(char* buffer, size_t size, Deadline deadline) override {
    for (;;) {
      const ssize_t n = ::recv(s_.get(), buffer, size, 0);
      if (n > 0) return static_cast<size_t>(n);
      if (n == 0) return Unavailable("the server closed the connection");
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return Unavailable(std::string("read: ") + std::strerror(errno));
      }
      if (!WaitFor(s_.get(), POLLIN, deadline)) return Unavailable("command timed out");
    }
  }

 private:
  Socket s_;
};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

std::string SslError(const char* what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char text[256] = "";
  if (e != 0) ERR_error_string_n(e, text, sizeof(text));
  return std::string(what) + (e != 0 ? std::string(": ") + text : "");
}

class TlsTransport final : public Transport {
 public:
  static Result<std::unique_ptr<Transport>> Handshake(Socket s, const Location& where,
                                                      Deadline deadline) {
    std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return Unavailable(SslError("TLS context"));
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    const int loaded = where.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx.get())
                           : SSL_CTX_load_verify_locations(ctx.get(), where.ca_file.c_str(), nullptr);
    if (loaded != 1) return Unavailable(SslError("cannot load the CA certificates"));
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
    if (!ssl || SSL_set_fd(ssl.get(), s.get()) != 1) return Unavailable(SslError("TLS session"));
    SSL_set_tlsext_host_name(ssl.get(), where.host.c_str());
    SSL_set1_host(ssl.get(), where.host.c_str());
    auto t = std::unique_ptr<TlsTransport>(new TlsTransport(std::move(s), std::move(ctx),
                                                            std::move(ssl)));
    for (;;) {
      const int rc = SSL_connect(t->ssl_.get());
      if (rc == 1) return std::unique_ptr<Transport>(std::move(t));
      auto waited = t->Wait(rc, deadline, "TLS handshake");
      if (!waited.ok()) return waited.error();
    }
  }

  Result<size_t> Write(const char* data, size_t size, Deadline deadline) override {
    for (;;) {
      size_t n = 0;
      const int rc = SSL_write_ex(ssl_.get(), data, size, &n);
      if (rc == 1) return n;
      if (Status st = Wait(rc, deadline, "write"); !st.ok()) return st.error();
    }
  }

  Result<size_t> Read(char* buffer, size_t size, Deadline deadline) override {
    for (;;) {
      size_t n = 0;
      const int rc = SSL_read_ex(ssl_.get(), buffer, size, &n);
      if (rc == 1) return n;
      if (Status st = Wait(rc, deadline, "read"); !st.ok()) return st.error();
    }
  }

 private:
  TlsTransport(Socket s, std::unique_ptr<SSL_CTX, SslCtxFree> ctx,
               std::unique_ptr<SSL, SslFree> ssl)
      : s_(std::move(s)), ctx_(std::move(ctx)), ssl_(std::move(ssl)) {}

  // After a call that returned `rc`: waits for what OpenSSL wants, or fails.
  Status Wait(int rc, Deadline deadline, const char* what) {
    const int err = SSL_get_error(ssl_.get(), rc);
    short events = 0;
    if (err == SSL_ERROR_WANT_READ) events = POLLIN;
    if (err == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) {
      if (err == SSL_ERROR_ZERO_RETURN) return Unavailable("the server closed the connection");
      return Unavailable(SslError(what));
    }
    if (!WaitFor(s_.get(), events, deadline)) {
      return Unavailable(std::string(what) + " timed out");
    }
    return Status::Ok();
  }

  Socket s_;
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

}  // namespace

Result<std::unique_ptr<Transport>> Connect(const Location& where) {
  const Deadline deadline = std::chrono::steady_clock::now() + where.connect_timeout;
  auto s = ConnectTcp(where, deadline);
  if (!s.ok()) return s.error();
  if (where.tls) return TlsTransport::Handshake(std::move(*s), where, deadline);
  return std::unique_ptr<Transport>(std::make_unique<TcpTransport>(std::move(*s)));
}

}  // namespace issuer::storage::redis
