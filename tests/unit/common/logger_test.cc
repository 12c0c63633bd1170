// JSON log lines: key=value fields become members, numbers stay numbers, anything else is "msg".
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/logger.h"

namespace issuer {

TEST_SUITE("common") {
  TEST_CASE("JsonLogLine turns key=value fields into members") {
    using nlohmann::json;
    const json line = json::parse(JsonLogLine(
        "2026-11-24T05:44:34.082Z", "info", "request",
        R"(method=GET route=/api/auth/token status=200 duration_ms=0.412 path="/a b \"c\"")"));
    CHECK(line["time"] == "2026-11-24T05:44:34.082Z");
    CHECK(line["level"] == "info");
    CHECK(line["event"] == "request");
    CHECK(line["method"] == "GET");
    CHECK(line["status"] == 200);
    CHECK(line["duration_ms"] == 0.412);
    CHECK(line["path"] == "/a b \"c\"");
    CHECK(json::parse(JsonLogLine("t", "warn", "x", "kid=007 n=-3 v=1."))["kid"] == "007");
    CHECK(json::parse(JsonLogLine("t", "warn", "x", "n=-3"))["n"] == -3);
    CHECK(json::parse(JsonLogLine("t", "warn", "x", "quoted=\"42\""))["quoted"] == "42");
    const json odd = json::parse(JsonLogLine("t", "error", "x", "not pairs \x01 at all"));
    CHECK(odd["msg"] == "not pairs \x01 at all");
    CHECK_FALSE(json::parse(JsonLogLine("t", "info", "stopped", "")).contains("msg"));
  }
}

}  // namespace issuer
