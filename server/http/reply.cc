#include "server/http/reply.h"

namespace issuer::server {

HttpReply JsonReply(std::string body) {
  HttpReply reply;
  reply.body = std::move(body);
  return reply;
}

HttpReply ErrorReply(const ApiError& error) {
  WireError wire = ToWire(error);
  HttpReply reply;
  reply.status = wire.status;
  reply.body = std::move(wire.body);
  if (reply.status == 503) reply.AddHeader("Retry-After", "5");
  return reply;
}

HttpReply WithError(HttpReply reply, const ApiError& error) {
  HttpReply e = ErrorReply(error);
  reply.status = e.status;
  reply.body = std::move(e.body);
  for (auto& header : e.headers) reply.headers.push_back(std::move(header));
  return reply;
}

void ExposeHeaders(HttpReply* reply, const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ", ") + n;
  for (auto& [name, value] : reply->headers) {
    if (name == "Access-Control-Expose-Headers") {
      value += ", " + joined;
      return;
    }
  }
  reply->AddHeader("Access-Control-Expose-Headers", joined);
}

HttpReply EmptyUnauthorized(HttpReply reply) {
  reply.status = 401;
  reply.body.clear();
  reply.AddHeader("Content-Type", "application/json");
  return reply;
}

}  // namespace issuer::server
