#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace issuer::server {

// A request as the auth service sees it: no library types, so the service runs in tests and
// fuzzers without sockets.
struct HttpRequest {
  std::string method;
  std::string path;  // without the query
  std::multimap<std::string, std::string> headers;  // names lowercase
  std::map<std::string, std::string> query;
  std::string body;
  std::string peer;  // the client's address as the socket reports it ("127.0.0.1", "::1")

  // The first value of a header, if present.
  std::optional<std::string> Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
};

struct HttpReply {
  int status = 200;
  std::string body;          // empty: no body and no content type
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // in order; Set-Cookie repeats

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace issuer::server
