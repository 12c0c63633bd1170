#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "common/logger.h"
#include "common/published.h"
#include "common/random.h"
#include "common/result.h"
#include "common/time_format.h"

namespace issuer {
namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr int64_t kT0 = 1795499074082;  // compat spec §1.4: 2026-11-24T05:44:34.082Z

// Yields `bytes` in order, then zeros; counts how often it was called.
struct ScriptedRandom {
  std::vector<unsigned char> bytes;
  std::shared_ptr<size_t> pos = std::make_shared<size_t>(0);
  std::shared_ptr<int> calls = std::make_shared<int>(0);

  Random AsRandom() const {
    return [self = *this](unsigned char* out, size_t len) {
      ++*self.calls;
      for (size_t i = 0; i < len; ++i, ++*self.pos) {
        out[i] = *self.pos < self.bytes.size() ? self.bytes[*self.pos] : 0;
      }
    };
  }
};

// Bytes 0, 1, ..., 255, 0, 1, ... across calls.
Random CyclingRandom() {
  auto next = std::make_shared<unsigned>(0);
  return [next](unsigned char* out, size_t len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*next)++ & 0xff);
  };
}

bool InAlphabet(const std::string& id) {
  return id.find_first_not_of(kAlphabet) == std::string::npos;
}

Result<int> ParsePositive(int v) {
  if (v <= 0) return Error{Errc::kInvalidArgument, "not positive"};
  return v;
}

}  // namespace

TEST_SUITE("common") {
  TEST_CASE("GenerateId: length and alphabet") {
    const Random random = CyclingRandom();
    const std::string id = GenerateId(random);
    CHECK(id.size() == 32);
    CHECK(InAlphabet(id));
    CHECK(GenerateId(random, 10).size() == 10);
    CHECK(GenerateId(random, 0).empty());
    CHECK(GenerateId(random, 200).size() == 200);
  }

  TEST_CASE("GenerateId: byte b maps to alphabet[b % 62]") {
    const Random random = CyclingRandom();
    // Bytes 0..31 map straight onto "a".."F".
    CHECK(GenerateId(random) == "abcdefghijklmnopqrstuvwxyzABCDEF");
  }

  TEST_CASE("GenerateId is deterministic for a fixed Random") {
    CHECK(GenerateId(CyclingRandom()) == GenerateId(CyclingRandom()));
  }

  TEST_CASE("GenerateId rejects bytes >= 248") {
    ScriptedRandom script{{248, 249, 250, 251, 252, 253, 254, 255, 0, 1, 61, 62, 247, 100}};
    // 61 -> "9", 62 % 62 = 0 -> "a", 247 % 62 = 61 -> "9", 100 % 62 = 38 -> "M".
    CHECK(GenerateId(script.AsRandom(), 6) == "ab9a9M");
  }

  TEST_CASE("GenerateId asks for more bytes when a buffer is all rejected") {
    ScriptedRandom script{std::vector<unsigned char>(64, 255)};
    script.bytes.push_back(27);  // 'B'
    const Random random = script.AsRandom();
    CHECK(GenerateId(random, 1) == "B");
    CHECK(*script.calls == 2);
  }

  TEST_CASE("GenerateId is uniform over one cycle of byte values") {
    // Bytes 0..247 are kept (248..255 dropped): each character appears exactly 4 times.
    const std::string id = GenerateId(CyclingRandom(), 248);
    std::map<char, int> counts;
    for (char c : id) ++counts[c];
    CHECK(counts.size() == 62);
    for (const auto& count : counts) {  // not [c, n]: clang 14 cannot capture bindings
      CAPTURE(count.first);
      CHECK(count.second == 4);
    }
  }

  TEST_CASE("FormatIsoMs known values") {
    CHECK(FormatIsoMs(0) == "1970-01-01T00:00:00.000Z");
    CHECK(FormatIsoMs(kT0) == "2026-11-24T05:44:34.082Z");
    CHECK(FormatIsoMs(1) == "1970-01-01T00:00:00.001Z");
    CHECK(FormatIsoMs(86399999) == "1970-01-01T23:59:59.999Z");
    CHECK(FormatIsoMs(951782400000) == "2000-02-29T00:00:00.000Z");
    CHECK(FormatIsoMs(253402300799999) == "9999-12-31T23:59:59.999Z");
  }

  TEST_CASE("FormatIsoMs before the epoch") {
    CHECK(FormatIsoMs(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(FormatIsoMs(-1000) == "1969-12-31T23:59:59.000Z");
    CHECK(FormatIsoMs(-86400000) == "1969-12-31T00:00:00.000Z");
    CHECK(FormatIsoMs(-86400001) == "1969-12-30T23:59:59.999Z");
    CHECK(FormatIsoMs(-2208988800000) == "1900-01-01T00:00:00.000Z");
  }

  TEST_CASE("FormatIsoMs around the 2024 leap day") {
    CHECK(FormatIsoMs(1709210096789) == "2024-02-29T12:34:56.789Z");
    CHECK(FormatIsoMs(1709164800000) == "2024-02-29T00:00:00.000Z");
    CHECK(FormatIsoMs(1709164799999) == "2024-02-28T23:59:59.999Z");
    CHECK(FormatIsoMs(1709251200000) == "2024-03-01T00:00:00.000Z");
    CHECK(*ParseIsoMs("2024-02-29T12:34:56.789Z") == 1709210096789);
    CHECK(*ParseIsoMs("2024-03-01T00:00:00.000Z") == 1709251200000);
  }

  TEST_CASE("ParseIsoMs known values and variants") {
    CHECK(ParseIsoMs("1970-01-01T00:00:00.000Z") == std::optional<int64_t>(0));
    CHECK(ParseIsoMs("2026-11-24T05:44:34.082Z") == std::optional<int64_t>(kT0));
    CHECK(ParseIsoMs("1969-12-31T23:59:59.999Z") == std::optional<int64_t>(-1));
    CHECK(ParseIsoMs("2026-11-24T05:44:34Z") == std::optional<int64_t>(kT0 - 82));
    CHECK(ParseIsoMs("2026-11-24 05:44:34.082Z") == std::optional<int64_t>(kT0));
    CHECK(ParseIsoMs("2026-11-24T05:44:34.5Z") == std::optional<int64_t>(kT0 - 82 + 500));
    CHECK(ParseIsoMs("2026-11-24T05:44:34.08Z") == std::optional<int64_t>(kT0 - 2));
    CHECK(ParseIsoMs("2026-11-24T05:44:34.0829999Z") == std::optional<int64_t>(kT0));
  }

  TEST_CASE("ParseIsoMs honours UTC offsets") {
    CHECK(ParseIsoMs("2026-11-24T07:44:34.082+02:00") == std::optional<int64_t>(kT0));
    CHECK(ParseIsoMs("2026-11-24T07:44:34.082+0200") == std::optional<int64_t>(kT0));
    CHECK(ParseIsoMs("2026-11-24T00:14:34.082-05:30") == std::optional<int64_t>(kT0));
    CHECK(ParseIsoMs("2026-11-24T05:44:34.082+00:00") == std::optional<int64_t>(kT0));
    CHECK(ParseIsoMs("1970-01-01T00:00:00.000+01:00") == std::optional<int64_t>(-3600000));
  }

  TEST_CASE("ParseIsoMs rejects garbage") {
    for (const char* bad :
         {"", "garbage", "2026", "2026-11-24", "2026-11-24T05:44", "2026-11-24T05:44:34",
          "2026-11-24T05:44:34.082", "2026-11-24T05:44:34.Z", "2026-11-24T05:44:34.082ZZ",
          "2026-11-24T05:44:34.082Z ", " 2026-11-24T05:44:34.082Z", "2026/11/24T05:44:34Z",
          "2026-11-24X05:44:34Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
          "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-01T24:00:00Z",
          "2026-01-01T00:60:00Z", "2026-01-01T00:00:61Z", "2026-01-01T00:00:00+02",
          "2026-01-01T00:00:00+2:00", "2026-01-01T00:00:00+02:00x", "2026-1-01T00:00:00Z",
          "+2026-01-01T00:00:00Z", "2026-01-01T00:00:00.08aZ", "1795499074082"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseIsoMs(bad).has_value());
    }
  }

  TEST_CASE("FormatIsoMs and ParseIsoMs round trip") {
    int64_t checked = 0;
    for (int64_t t = -5'000'000'000'000; t < 5'000'000'000'000; t += 7'777'777'777 + 13) {
      CAPTURE(t);
      CHECK(ParseIsoMs(FormatIsoMs(t)) == std::optional<int64_t>(t));
      ++checked;
    }
    for (int64_t t : {int64_t{0}, int64_t{-1}, int64_t{1}, kT0, int64_t{951868799999},
                      int64_t{253402300799999}}) {
      CHECK(ParseIsoMs(FormatIsoMs(t)) == std::optional<int64_t>(t));
    }
    CHECK(checked > 1000);
  }

  TEST_CASE("ISO text sorts like the times it encodes") {
    // Better Auth compares dates as strings in SQL (compat §3.1).
    CHECK(FormatIsoMs(kT0) < FormatIsoMs(kT0 + 1));
    CHECK(FormatIsoMs(999) < FormatIsoMs(1000));
    CHECK(FormatIsoMs(-1) < FormatIsoMs(0));
  }

  TEST_CASE("Result holds a value or an Error") {
    Result<int> good = ParsePositive(5);
    REQUIRE(good.ok());
    CHECK(static_cast<bool>(good));
    CHECK(good.value() == 5);
    CHECK(*good == 5);
    *good = 6;
    CHECK(good.value() == 6);

    Result<int> bad = ParsePositive(0);
    CHECK_FALSE(bad.ok());
    CHECK_FALSE(static_cast<bool>(bad));
    CHECK(bad.error().code == Errc::kInvalidArgument);
    CHECK(bad.error().message == "not positive");

    Result<std::string> text = std::string("abc");
    CHECK(text->size() == 3);
    const std::string moved = std::move(text).value();
    CHECK(moved == "abc");
  }

  TEST_CASE("Status is ok by default and carries an Error otherwise") {
    CHECK(Status().ok());
    CHECK(Status::Ok().ok());
    CHECK(static_cast<bool>(Status::Ok()));
    const Status failed = Error{Errc::kConflict, "taken"};
    CHECK_FALSE(failed.ok());
    CHECK_FALSE(static_cast<bool>(failed));
    CHECK(failed.error().code == Errc::kConflict);
    CHECK(failed.error().message == "taken");
  }

  TEST_CASE("SystemClock reads Unix milliseconds") {
    const int64_t now = Clock::System().NowMs();
    CHECK(now > 1700000000000);  // later than 2023-11
    CHECK(now < 4102444800000);  // earlier than 2100
  }

  TEST_CASE("A fixed clock stands still until it is set or advanced") {
    Clock clock = Clock::Fixed(1000);
    CHECK(clock.frozen());
    CHECK(clock.NowMs() == 1000);
    clock.Advance(250);
    CHECK(clock.NowMs() == 1250);
    clock.Set(5);
    CHECK(clock.NowMs() == 5);
    clock.Advance(-5);
    CHECK(clock.NowMs() == 0);
  }

  TEST_CASE("A system clock can be set and advanced, and runs on from there") {
    Clock clock = Clock::System();
    CHECK_FALSE(clock.frozen());
    clock.Set(1000000);
    const int64_t set = clock.NowMs();
    CHECK(set >= 1000000);
    CHECK(set < 1000000 + 60000);
    clock.Advance(3600 * 1000);
    CHECK(clock.NowMs() >= set + 3600 * 1000);
    CHECK(clock.NowMs() < set + 3600 * 1000 + 60000);
  }

  TEST_CASE("The logger stamps lines with the service clock") {
    Clock clock = Clock::Fixed(1795499074082);
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    Logger log(out, clock);
    log.Info("hello", "k=v");
    clock.Advance(1000);
    log.Warn("later");
    std::rewind(out);
    char buf[256];
    std::string text;
    while (std::fgets(buf, sizeof buf, out)) text += buf;
    std::fclose(out);
    CHECK(text ==
          "2026-11-24T05:44:34.082Z info hello k=v\n"
          "2026-11-24T05:44:35.082Z warn later\n");
  }

  TEST_CASE("A background logger writes info lines in order, a warning after them, the rest at the end") {
    Clock clock = Clock::Fixed(1795499074082);
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    auto read_all = [out] {
      std::fflush(out);
      std::rewind(out);
      char buf[256];
      std::string text;
      while (std::fgets(buf, sizeof buf, out)) text += buf;
      return text;
    };
    {
      Logger log(out, clock, LogFormat::kText, LogFlush::kBackground);
      for (int i = 0; i < 100; ++i) log.Info("request", "n=" + std::to_string(i));
      log.Warn("slow");  // written before Warn returns, after the 100 queued ahead of it
      const std::string text = read_all();
      CHECK(text.find("info request n=0\n") != std::string::npos);
      CHECK(text.find("info request n=99\n") < text.find("warn slow\n"));
      std::fseek(out, 0, SEEK_END);
      log.Info("last");
    }
    const std::string text = read_all();
    std::fclose(out);
    CHECK(text.substr(text.size() - 35) == "2026-11-24T05:44:34.082Z info last\n");
  }

  TEST_CASE("Published: every thread reads the value last set, never another instance's") {
    Published<int> value;
    CHECK(value.Get() == nullptr);
    value.Set(std::make_shared<const int>(1));
    CHECK(*value.Get() == 1);
    CHECK(*value.Get() == 1);  // the thread's copy
    value.Set(std::make_shared<const int>(2));
    CHECK(*value.Get() == 2);
    int seen = 0;
    std::thread other([&] { seen = *value.Get(); });
    other.join();
    CHECK(seen == 2);
    for (int i = 0; i < 3; ++i) {  // a new instance, likely at the same address as the last
      auto fresh = std::make_unique<Published<int>>();
      CHECK(fresh->Get() == nullptr);
      fresh->Set(std::make_shared<const int>(10 + i));
      CHECK(*fresh->Get() == 10 + i);
    }
  }
}

}  // namespace issuer
