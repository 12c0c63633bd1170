#pragma once

#include <functional>
#include <string>

#include "server/http/types.h"

namespace issuer::server {

// One endpoint: an exact method and path (base path included) and the function that answers it.
// A path parameter ("/reset-password/:token") is a route whose path ends in '/' with
// `param` set: it matches that path plus one non-empty segment, which the handler reads from
// the request's path.
struct Route {
  std::string method;  // "GET", "POST" or "OPTIONS"
  std::string path;    // e.g. "/api/auth/token"
  std::function<HttpReply(const HttpRequest&)> handler;
  bool allow_form = false;  // takes application/x-www-form-urlencoded bodies
  std::string limit_path;   // the path the rate limiter counts (relative to the base path)
  bool param = false;       // `path` is a prefix ending in '/', followed by one segment

  bool Matches(const std::string& request_method, const std::string& request_path) const {
    if (request_method != method) return false;
    if (!param) return request_path == path;
    return request_path.size() > path.size() && request_path.compare(0, path.size(), path) == 0 &&
           request_path.find('/', path.size()) == std::string::npos;
  }
};

}  // namespace issuer::server
