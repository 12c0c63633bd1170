#pragma once

#include <string_view>

namespace issuer::server {

// True for an address of the local machine only: 127.0.0.0/8, ::1 (also bracketed, "[::1]"),
// IPv4-mapped 127.x ("::ffff:127.0.0.1"), and the name "localhost".
bool IsLoopback(std::string_view host_or_address);

}  // namespace issuer::server
