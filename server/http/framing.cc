#include "server/http/framing.h"

#include "common/text.h"

namespace issuer::server {
namespace {

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Framing LengthFraming(const httplib::Request& req) {
  const std::string length = req.get_header_value("Content-Length");
  if (req.get_header_value_count("Content-Length") > 1 || !AllDigits(length)) {
    return Framing::kInvalid;
  }
  const unsigned long long bytes = std::stoull(length);
  if (bytes == 0) return Framing::kNone;
  return bytes > kMaxBodyBytes ? Framing::kTooLarge : Framing::kLength;
}

}  // namespace

Framing FramingOf(const httplib::Request& req) {
  const size_t encodings = req.get_header_value_count("Transfer-Encoding");
  if (encodings == 0) {
    return req.has_header("Content-Length") ? LengthFraming(req) : Framing::kNone;
  }
  // The library takes a body as chunked only when the header is exactly "chunked"; anything
  // else it would read as a Content-Length body or up to the end of the connection.
  if (encodings > 1 || req.has_header("Content-Length") ||
      Lowercase(req.get_header_value("Transfer-Encoding")) != "chunked") {
    return Framing::kInvalid;
  }
  return Framing::kChunked;
}

bool LibraryReadsBody(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool IsMultipart(const httplib::Request& req) {
  return Lowercase(req.get_header_value("Content-Type").substr(0, 10)) == "multipart/";
}

Plan PlanFor(const httplib::Request& req, bool route_known, Framing framing) {
  if (framing == Framing::kNone) return Plan::kAnswer;
  if (framing == Framing::kInvalid || !LibraryReadsBody(req.method)) return Plan::kAnswerAndClose;
  if (!route_known) return framing == Framing::kLength ? Plan::kRead : Plan::kAnswerAndClose;
  if (framing == Framing::kTooLarge || IsMultipart(req)) return Plan::kAnswerAndClose;
  return Plan::kRead;
}

}  // namespace issuer::server
