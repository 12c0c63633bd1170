#pragma once

#include <map>
#include <string>
#include <vector>

#include "server/social/dev_provider.h"

namespace issuer::server::social {

// The dev provider's login page: one button per user and a form that makes one, each posting
// the authorize request's `params` back to `action`. Every value is HTML-escaped.
std::string AuthorizePage(const std::string& action, const std::map<std::string, std::string>& params,
                          const std::vector<DevUser>& users);

// The page a request that cannot be redirected back gets (unknown client, bad redirect_uri).
std::string ErrorPage(const std::string& message);

}  // namespace issuer::server::social
