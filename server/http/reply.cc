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
  return reply;
}

HttpReply WithError(HttpReply reply, const ApiError& error) {
  HttpReply e = ErrorReply(error);
  reply.status = e.status;
  reply.body = std::move(e.body);
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

}  // namespace issuer::server
