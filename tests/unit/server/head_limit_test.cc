// Issue 20 item 4: where a request head ends and when it is too large (HeadScanner).
#include <doctest/doctest.h>

#include <string>

#include "server/http/head_limit.h"

namespace issuer::server {
namespace {

using State = HeadScanner::State;

std::string Head(int fields, size_t pad = 1) {
  std::string out = "GET /api/auth/ok HTTP/1.1\r\n";
  for (int i = 0; i < fields; ++i) out += "X-" + std::to_string(i) + ": " + std::string(pad, 'v') + "\r\n";
  return out + "\r\n";
}

}  // namespace

TEST_SUITE("http_edge") {
  TEST_CASE("HeadScanner finds the end of a head, also fed a byte at a time") {
    const std::string head = Head(3) + "{\"body\":1}";
    HeadScanner whole({});
    CHECK(whole.Feed(head) == State::kComplete);
    CHECK(whole.head_size() == Head(3).size());
    HeadScanner bytes({});
    for (char c : head) bytes.Feed(std::string(1, c));
    CHECK(bytes.state() == State::kComplete);
    CHECK(bytes.head_size() == Head(3).size());
  }

  TEST_CASE("HeadScanner: a first line that is blank, or bare LF lines, end no head") {
    HeadScanner scan({});
    CHECK(scan.Feed("\r\n") == State::kIncomplete);  // the request line, though empty
    CHECK(scan.Feed("X: a\n\n") == State::kIncomplete);  // lines the library skips
    CHECK(scan.Feed("\r\n") == State::kComplete);
  }

  TEST_CASE("HeadScanner: 100 header lines pass, 101 are too many") {
    HeadScanner hundred({});
    CHECK(hundred.Feed(Head(100)) == State::kComplete);
    HeadScanner more({});
    CHECK(more.Feed(Head(101)) == State::kTooLarge);
  }

  TEST_CASE("HeadScanner: a head of exactly max_bytes passes, one byte more does not") {
    const std::string head = Head(2, 100);
    HeadScanner exact({head.size(), 100});
    CHECK(exact.Feed(head) == State::kComplete);
    HeadScanner over({head.size() - 1, 100});
    CHECK(over.Feed(head) == State::kTooLarge);
    HeadScanner endless({16 * 1024, 100});
    CHECK(endless.Feed(std::string(20000, 'a')) == State::kTooLarge);  // no line end at all
  }
}

}  // namespace issuer::server
