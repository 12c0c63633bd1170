// The dev mailbox: one log line per message (the link left out in production), newest first by
// recipient, bounded, emptied by Clear.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "common/clock.h"
#include "common/logger.h"
#include "server/fixture/mailbox.h"

namespace issuer::server {
namespace {

constexpr int64_t kT0 = 1795499074082;

// Everything written to a Logger's FILE*.
std::string Drain(FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  return text;
}

MailMessage Message(const std::string& to, const std::string& token, int64_t at) {
  return {to, "reset-password", "http://localhost:3000/api/auth/reset-password/" + token, token, at};
}

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("Mailbox keeps messages newest first per recipient, bounded, and logs each link") {
    Clock clock = Clock::Fixed(kT0);
    FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    Logger log(out, clock);
    Mailbox box(log, "");
    box.Send(Message("a@example.com", "t1", kT0));
    box.Send(Message("b@example.com", "t2", kT0 + 1));
    box.Send(Message("a@example.com", "t3", kT0 + 2));
    auto a = box.To("a@example.com");
    REQUIRE(a.size() == 2);
    CHECK(a[0].token == "t3");
    CHECK(a[1].token == "t1");
    CHECK(box.To("").size() == 3);
    CHECK(box.To("nobody@example.com").empty());
    CHECK(Mailbox::Json(a[0]) ==
          R"({"to":"a@example.com","kind":"reset-password","url":"http://localhost:3000/api/auth/)"
          R"(reset-password/t3","token":"t3","createdAt":"2026-11-24T05:44:34.084Z"})");
    const std::string text = Drain(out);
    CHECK(text.find("mail to=a@example.com kind=reset-password "
                    "url=http://localhost:3000/api/auth/reset-password/t3") != std::string::npos);
    for (size_t i = 0; i < Mailbox::kMaxMessages + 5; ++i) box.Send(Message("c@example.com", "x", kT0));
    CHECK(box.To("").size() == Mailbox::kMaxMessages);
    CHECK(box.To("a@example.com").empty());  // the oldest went first
    box.Clear();
    CHECK(box.To("").empty());
    std::fclose(out);
  }

  TEST_CASE("Mailbox in production logs the recipient and kind, never the link") {
    Clock clock = Clock::Fixed(kT0);
    FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    Logger log(out, clock);
    Mailbox box(log, "", /*log_links=*/false);
    box.Send(Message("a@example.com", "secret-token", kT0));
    const std::string text = Drain(out);
    CHECK(text.find("to=a@example.com kind=reset-password") != std::string::npos);
    CHECK(text.find("secret-token") == std::string::npos);
    CHECK(box.To("a@example.com").size() == 1);
    std::fclose(out);
  }
}

}  // namespace issuer::server
