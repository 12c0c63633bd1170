// The HTTP edge's pure parts: body framing and the plan for a request, the worker pool, the
// password gate's bounded wait, and Retry-After on every 503.
#include <doctest/doctest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/logger.h"
#include "server/http/framing.h"
#include "server/http/reply.h"
#include "server/http/worker_pool.h"
#include "server/session/password_gate.h"

namespace issuer::server {
namespace {

httplib::Request Req(const std::string& method, const httplib::Headers& headers) {
  httplib::Request req;
  req.method = method;
  req.headers = headers;
  return req;
}

Framing FramingOfHeaders(const httplib::Headers& headers) {
  return FramingOf(Req("POST", headers));
}

void FillZero(unsigned char* out, size_t len) { std::fill(out, out + len, 0); }

}  // namespace

TEST_SUITE("http edge") {
  TEST_CASE("FramingOf reads the body's length as Node does") {
    CHECK(FramingOfHeaders({}) == Framing::kNone);
    CHECK(FramingOfHeaders({{"Content-Length", "0"}}) == Framing::kNone);
    CHECK(FramingOfHeaders({{"Content-Length", "12"}}) == Framing::kLength);
    CHECK(FramingOfHeaders({{"Content-Length", "65536"}}) == Framing::kLength);
    CHECK(FramingOfHeaders({{"Content-Length", "65537"}}) == Framing::kTooLarge);
    CHECK(FramingOfHeaders({{"Content-Length", "999999999999999999"}}) == Framing::kTooLarge);
    CHECK(FramingOfHeaders({{"Transfer-Encoding", "chunked"}}) == Framing::kChunked);
    CHECK(FramingOfHeaders({{"Transfer-Encoding", "Chunked"}}) == Framing::kChunked);
    for (const httplib::Headers& invalid :
         {httplib::Headers{{"Content-Length", "-1"}}, {{"Content-Length", "+5"}},
          {{"Content-Length", "0x10"}}, {{"Content-Length", "5, 5"}},
          {{"Content-Length", "1234567890123456789"}},
          {{"Content-Length", "2"}, {"Content-Length", "2"}},
          {{"Transfer-Encoding", "gzip"}}, {{"Transfer-Encoding", "gzip, chunked"}},
          {{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
          {{"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}}}) {
      CHECK(FramingOfHeaders(invalid) == Framing::kInvalid);
    }
  }

  TEST_CASE("PlanFor reads a body only where it can be bounded, else closes after the answer") {
    const httplib::Request post = Req("POST", {});
    const httplib::Request get = Req("GET", {});
    const httplib::Request put = Req("PUT", {});
    const httplib::Request multipart =
        Req("POST", {{"Content-Type", "Multipart/Form-Data; boundary=x"}});
    // No body: answered at once, whatever the route.
    CHECK(PlanFor(post, true, Framing::kNone) == Plan::kAnswer);
    CHECK(PlanFor(get, false, Framing::kNone) == Plan::kAnswer);
    // A known POST route reads Content-Length and chunked bodies through its bounded reader.
    CHECK(PlanFor(post, true, Framing::kLength) == Plan::kRead);
    CHECK(PlanFor(post, true, Framing::kChunked) == Plan::kRead);
    CHECK(PlanFor(post, true, Framing::kTooLarge) == Plan::kAnswerAndClose);
    CHECK(PlanFor(multipart, true, Framing::kLength) == Plan::kAnswerAndClose);
    // Unknown routes and wrong methods: a bounded Content-Length body is drained before the 404.
    CHECK(PlanFor(put, false, Framing::kLength) == Plan::kRead);
    CHECK(PlanFor(multipart, false, Framing::kLength) == Plan::kRead);
    CHECK(PlanFor(post, false, Framing::kChunked) == Plan::kAnswerAndClose);
    CHECK(PlanFor(post, false, Framing::kTooLarge) == Plan::kAnswerAndClose);
    // The library reads no body for GET, HEAD, OPTIONS: answered, then closed.
    for (const char* method : {"GET", "HEAD", "OPTIONS", "TRACE"}) {
      CHECK(PlanFor(Req(method, {}), true, Framing::kLength) == Plan::kAnswerAndClose);
      CHECK(PlanFor(Req(method, {}), false, Framing::kChunked) == Plan::kAnswerAndClose);
    }
    CHECK(PlanFor(post, true, Framing::kInvalid) == Plan::kAnswerAndClose);
  }

  TEST_CASE("WorkerPool grows to its maximum, runs every task, and contains exceptions") {
    Clock clock = Clock::Fixed(0);
    Logger log(nullptr, clock);
    std::vector<bool> cuts;
    {
      WorkerPool pool(3, std::chrono::milliseconds(1000),
                      [&](bool all) { cuts.push_back(all); }, log);
      std::latch started(3);
      std::latch release(1);
      std::atomic<int> ran{0};
      for (int i = 0; i < 3; ++i) {
        pool.enqueue([&] {
          started.count_down();
          release.wait();
          ++ran;
        });
      }
      started.wait();  // three tasks at once: the pool grew to three workers
      CHECK(pool.workers() == 3);
      pool.enqueue([] { throw std::runtime_error("escapes the task"); });
      pool.enqueue([&] { ++ran; });  // queued behind them, past the maximum
      CHECK(pool.workers() == 3);
      release.count_down();
      pool.shutdown();
      CHECK(ran == 4);
    }
    CHECK(cuts == std::vector<bool>{false});  // idle connections only: nothing overran the drain
  }

  TEST_CASE("WorkerPool shutdown cuts what still runs after the drain") {
    Clock clock = Clock::Fixed(0);
    Logger log(nullptr, clock);
    std::mutex mu;
    std::vector<bool> cuts;
    std::latch started(1);
    std::latch cut(1);
    WorkerPool pool(2, std::chrono::milliseconds(50),
                    [&](bool all) {
                      std::lock_guard<std::mutex> lock(mu);
                      cuts.push_back(all);
                      if (all) cut.count_down();
                    },
                    log);
    pool.enqueue([&] {
      started.count_down();
      cut.wait();  // a connection that only ends when its socket is shut down
    });
    started.wait();
    pool.shutdown();
    CHECK(cuts == std::vector<bool>{false, true});
  }

  TEST_CASE("PasswordGate waits a bounded time for a slot, then reports kUnavailable") {
    PasswordGate gate(&FillZero, std::chrono::milliseconds(1));
    constexpr int kCalls = 3 * kScryptSlots;
    std::latch go(kCalls);
    std::mutex mu;
    int hashed = 0, busy = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < kCalls; ++i) {
      threads.emplace_back([&] {
        go.arrive_and_wait();  // all at once: kScryptSlots hash (~60 ms), the rest wait 1 ms
        auto hash = gate.Hash("password123");
        std::lock_guard<std::mutex> lock(mu);
        if (hash.ok()) {
          ++hashed;
          CHECK(hash->size() == 32 + 1 + 128);
        } else {
          ++busy;
          CHECK(hash.error().code == Errc::kUnavailable);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(hashed >= 1);
    CHECK(busy >= 1);
    CHECK(hashed + busy == kCalls);
    // A free gate verifies as before.
    PasswordGate free_gate(&FillZero);
    auto stored = free_gate.Hash("password123");
    REQUIRE(stored.ok());
    CHECK(*free_gate.Verify("password123", *stored));
    CHECK_FALSE(*free_gate.Verify("password124", *stored));
  }

  TEST_CASE("a thread that hashed a password has its scheduling attributes back") {
    // PasswordGate asks for a long scheduler slice while scrypt runs (password_gate.cc).
    struct Attr {
      uint32_t size, policy;
      uint64_t flags;
      int32_t nice;
      uint32_t priority;
      uint64_t runtime, deadline, period;
      uint32_t util_min, util_max;
    };
    auto current = [] {
      Attr attr{};
      attr.size = sizeof attr;
      REQUIRE(syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) == 0);
      return attr;
    };
    const Attr before = current();
    PasswordGate gate(&FillZero);
    auto stored = gate.Hash("password123");
    REQUIRE(stored.ok());
    CHECK(*gate.Verify("password123", *stored));
    const Attr after = current();
    CHECK(after.policy == before.policy);
    CHECK(after.nice == before.nice);
    CHECK(after.runtime == before.runtime);
  }

  TEST_CASE("every 503 carries Retry-After, and other errors do not") {
    const HttpReply busy = ErrorReply({ApiCode::kServiceUnavailable, ""});
    CHECK(busy.status == 503);
    REQUIRE(busy.headers.size() == 1);
    CHECK(busy.headers[0].first == "Retry-After");
    CHECK(busy.headers[0].second == "5");
    HttpReply with_cookie;
    with_cookie.AddHeader("Set-Cookie", "a=b");
    const HttpReply kept = WithError(with_cookie, {ApiCode::kServiceUnavailable, ""});
    CHECK(kept.headers.size() == 2);
    CHECK(ErrorReply({ApiCode::kUnauthorized, ""}).headers.empty());
  }
}

}  // namespace issuer::server
