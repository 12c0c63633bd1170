#pragma once

#include <string>
#include <vector>

#include "server/http/api_error.h"
#include "server/http/types.h"

namespace issuer::server {

// A 200 reply with a JSON body (already serialised).
HttpReply JsonReply(std::string body);

// The status and {"message","code"} body of `error`. Every 503 also carries Retry-After (the one
// place it is added, so every transient failure tells clients when to come back).
HttpReply ErrorReply(const ApiError& error);

// Turns `reply` into an error reply, keeping the headers (cookies) it already carries.
HttpReply WithError(HttpReply reply, const ApiError& error);

// better-call's APIError.fromStatus("UNAUTHORIZED") with no message: 401, an empty body that
// still says Content-Type: application/json, keeping `reply`'s cookies (the admin and
// organization routes without a session).
HttpReply EmptyUnauthorized(HttpReply reply);

// Adds `names` to Access-Control-Expose-Headers (one header, comma-joined, in order).
void ExposeHeaders(HttpReply* reply, const std::vector<std::string>& names);

}  // namespace issuer::server
