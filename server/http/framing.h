#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

namespace issuer::server {

// Bodies over this size are refused with 413 (Better Auth has no limit; a deliberate difference).
inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// How a request's body is delimited, from its headers alone (RFC 9112 §6.3, as Node reads it).
enum class Framing {
  kNone,      // no Transfer-Encoding and no (or a zero) Content-Length: there is no body
  kLength,    // Content-Length 1..kMaxBodyBytes
  kTooLarge,  // Content-Length over kMaxBodyBytes
  kChunked,   // Transfer-Encoding: chunked (any case), once, without Content-Length
  kInvalid,   // what Node refuses with 400: Content-Length repeated or not all digits (or over
              // 18 of them), Transfer-Encoding repeated or not just "chunked", or both headers
};
Framing FramingOf(const httplib::Request& req);

// What the edge does with a request once its headers are in and before any body byte is read.
// cpp-httplib 0.11.4 parses whatever a reply leaves unread on a kept-alive connection as the
// next request, so a body is either read in full (under the bound) or the connection closes.
enum class Plan {
  kAnswer,          // no body: answer now; the connection stays open
  kRead,            // the library reads the body (bounded), then the route or a 404 answers
  kAnswerAndClose,  // answer without reading the body, then close the connection
};

// `route_known`: a route matches the method and path. A body is read only where cpp-httplib
// reads bodies (POST, PUT, PATCH, DELETE) and can be bounded: a Content-Length body up to
// kMaxBodyBytes, or, on a known route (which reads through its own bounded reader), a chunked
// one; and never multipart (the library would parse it) on a known route.
Plan PlanFor(const httplib::Request& req, bool route_known, Framing framing);

// True for the methods whose body cpp-httplib 0.11.4 reads; it leaves any other's on the wire.
bool LibraryReadsBody(const std::string& method);

// Content-Type multipart/* (any case).
bool IsMultipart(const httplib::Request& req);

}  // namespace issuer::server
