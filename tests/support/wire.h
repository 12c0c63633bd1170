#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace issuer::testing {

// One HTTP/1.1 response as read off the wire.
struct WireResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lowercase
  std::string body;

  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? "" : it->second;
  }
};

// A raw TCP connection to 127.0.0.1:port, for exact bytes on the wire: the library's client
// percent-decodes header values and never sends malformed framing.
//   WireConnection conn(port);
//   conn.Send("GET /api/auth/ok HTTP/1.1\r\nHost: x\r\n\r\n");
//   auto res = conn.ReadResponse();
class WireConnection {
 public:
  explicit WireConnection(int port);  // REQUIREs that the connect succeeds
  ~WireConnection();
  WireConnection(const WireConnection&) = delete;
  WireConnection& operator=(const WireConnection&) = delete;

  // Sends all of `bytes`; false if the server has closed or reset the connection.
  bool Send(std::string_view bytes);
  // Reads one response with a Content-Length body; nullopt on EOF, reset or timeout.
  std::optional<WireResponse> ReadResponse(int timeout_ms = 5000);
  // True if the server closes (or resets) the connection within timeout_ms; every byte that
  // arrives before goes to `*extra`.
  bool ClosedByServer(int timeout_ms, std::string* extra);

  int fd() const { return fd_; }

 private:
  // Reads more into buffer_; false on EOF, reset or timeout.
  bool Fill(int timeout_ms);

  int fd_ = -1;
  std::string buffer_;
};

// Sends `request` on a new connection and reads one response.
std::optional<WireResponse> RoundTrip(int port, std::string_view request, int timeout_ms = 5000);

}  // namespace issuer::testing
