#pragma once

#include <optional>
#include <string>

#include "server/http/types.h"

namespace issuer::server {

// The client IP as Better Auth takes it: X-Forwarded-For holding exactly one valid IPv4 or IPv6
// address (trimmed), else nullopt.
std::optional<std::string> ForwardedIp(const HttpRequest& request);

}  // namespace issuer::server
