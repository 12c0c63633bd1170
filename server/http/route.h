#pragma once

#include <functional>
#include <string>

#include "server/http/types.h"

namespace issuer::server {

// One endpoint: an exact method and path (base path included) and the function that answers it.
struct Route {
  std::string method;  // "GET", "POST" or "OPTIONS"
  std::string path;    // e.g. "/api/auth/token"
  std::function<HttpReply(const HttpRequest&)> handler;
  bool allow_form = false;  // takes application/x-www-form-urlencoded bodies
  std::string limit_path;   // the path the rate limiter counts (relative to the base path)
};

}  // namespace issuer::server
