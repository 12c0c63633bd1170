// Discovery, /metrics and the per-request log line, through the real binary.
#include <doctest/doctest.h>

#include <chrono>
#include <regex>
#include <sstream>

#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

// The value of the sample `series` (name and labels exactly) in a /metrics text; -1 if absent.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

}  // namespace

TEST_SUITE("observability") {
  TEST_CASE("discovery is off unless --discovery") {
    IssuerServer srv({"--db", ":memory:"});
    CHECK(srv.client().Get("/.well-known/openid-configuration")->status == 404);
    CHECK(srv.client().Get("/.well-known/jwks.json")->status == 404);
  }

  TEST_CASE("--discovery: issuer, jwks_uri and the algorithm, jwks.json is the JWKS") {
    IssuerServer srv({"--db", ":memory:", "--discovery", "--base-url", "http://localhost:3000"});
    const json doc = JsonOf(srv.client().Get("/.well-known/openid-configuration"));
    CHECK(doc["issuer"] == "http://localhost:3000");
    CHECK(doc["jwks_uri"] == "http://localhost:3000/api/auth/jwks");
    CHECK(doc["id_token_signing_alg_values_supported"] == json{"EdDSA"});
    const json alias = JsonOf(srv.client().Get("/.well-known/jwks.json"));
    CHECK(alias == JsonOf(srv.client().Get("/api/auth/jwks")));
    CHECK(alias["keys"].size() == 1);
  }

  TEST_CASE("--discovery follows jwt.issuer and jwks.jwksPath") {
    const std::string file = WriteTempFile(
        "discovery.json",
        R"({"jwt": {"issuer": "https://issuer.example"}, "jwks": {"jwksPath": "/keys"}})");
    IssuerServer srv({"--db", ":memory:", "--discovery", "--config", file, "--base-url",
                      "http://127.0.0.1:4000/auth"});
    const json doc = JsonOf(srv.client().Get("/.well-known/openid-configuration"));
    CHECK(doc["issuer"] == "https://issuer.example");
    CHECK(doc["jwks_uri"] == "http://127.0.0.1:4000/auth/keys");
  }

  // GET /metrics on the API port is tested in security_test.cc: 404, the metrics live on their
  // own listener.
  TEST_CASE("GET /metrics: requests by route and status, sign-ins, tokens, rotations, latency") {
    const int metrics_port = FreePort();
    IssuerServer srv({"--db", ":memory:", "--test-api", "--rotation-interval", "3600",
                      "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port)});
    httplib::Client metrics("127.0.0.1", metrics_port);
    const json body = {{"name", "M"}, {"email", "m@example.com"}, {"password", "password123"}};
    const json signup = PostJson(srv, "/api/auth/sign-up/email", body);
    PostJson(srv, "/api/auth/sign-in/email", {{"email", "m@example.com"}, {"password", "password123"}});
    PostJson(srv, "/api/auth/sign-in/email", {{"email", "m@example.com"}, {"password", "wrong-one"}},
             401);
    const std::string bearer = "Bearer " + signup["token"].get<std::string>();
    JsonOf(srv.client().Get("/api/auth/token", {{"Authorization", bearer}}));
    CHECK(srv.client().Get("/nowhere")->status == 404);
    PostJson(srv, "/__test/clock", {{"advance", 3600}});

    // A request is counted once its answer is written (the library's logger hook), so on a busy
    // machine the last answers may still be on their way into the counts: wait for them.
    const std::string sign_in = R"(route="/api/auth/sign-in/email")";
    const std::string failed_sign_in =
        R"(ba_issuer_requests_total{method="POST",)" + sign_in + R"(,status="401"})";
    const std::string unmatched =
        R"(ba_issuer_requests_total{method="GET",route="unmatched",status="404"})";
    const std::string clock =
        R"(ba_issuer_requests_total{method="POST",route="/__test/clock",status="200"})";
    auto all_counted = [&](const std::string& text) {
      return Sample(text, failed_sign_in) == 1 && Sample(text, unmatched) == 1 &&
             Sample(text, "ba_issuer_tokens_issued_total") == 1 && Sample(text, clock) == 1;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    httplib::Result res = metrics.Get("/metrics");
    while (res && !all_counted(res->body) && std::chrono::steady_clock::now() < deadline) {
      res = metrics.Get("/metrics");
    }
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/plain; version=0.0.4");
    const std::string& text = res->body;
    const std::regex sample(R"(^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$)");
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      CAPTURE(line);
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
      CHECK(std::regex_match(line, sample));
    }
    CHECK(Sample(text, R"(ba_issuer_requests_total{method="POST",)" + sign_in +
                           R"(,status="200"})") == 1);
    CHECK(Sample(text, failed_sign_in) == 1);
    CHECK(Sample(text, unmatched) == 1);
    CHECK(Sample(text, R"(ba_issuer_sign_ins_total{result="success"})") == 1);
    CHECK(Sample(text, R"(ba_issuer_sign_ins_total{result="failure"})") == 1);
    CHECK(Sample(text, "ba_issuer_tokens_issued_total") == 1);
    CHECK(Sample(text, "ba_issuer_key_rotations_total") >= 1);
    const std::string token_route = R"(route="/api/auth/token")";
    CHECK(Sample(text, "ba_issuer_request_duration_seconds_count{" + token_route + "}") == 1);
    CHECK(Sample(text, "ba_issuer_request_duration_seconds_bucket{" + token_route +
                           R"(,le="+Inf"})") == 1);
    CHECK(Sample(text, "ba_issuer_request_duration_seconds_sum{" + token_route + "}") >= 0);
    CHECK(text.find("# TYPE ba_issuer_request_duration_seconds histogram") != std::string::npos);
  }

  TEST_CASE("one log line per request, --log-format json, no secrets, cookies or tokens") {
    for (const std::string format : {"text", "json"}) {
      CAPTURE(format);
      Child child({kIssuerBin, "--port", "0", "--db", ":memory:", "--log-format", format},
                  {kIssuerSecret});
      const std::string line = child.ReadLine();
      REQUIRE(line.rfind("listening on", 0) == 0);
      httplib::Client c("127.0.0.1", PortOf(line));
      const json body = {{"name", "L"}, {"email", "log@example.com"}, {"password", "password123"}};
      auto signup = c.Post("/api/auth/sign-up/email", body.dump(), "application/json");
      REQUIRE(signup);
      const std::string token = json::parse(signup->body)["token"];
      REQUIRE(c.Get("/api/auth/token", {{"Authorization", "Bearer " + token}}));
      REQUIRE(c.Get("/api/auth/get-session", {{"Cookie", signup->get_header_value("Set-Cookie")}}));
      child.Signal(SIGTERM);
      CHECK(child.Wait() == 0);
      const std::string err = child.ReadAllStderr(2000);
      CHECK(err.find(token) == std::string::npos);
      CHECK(err.find("password123") == std::string::npos);
      CHECK(err.find(kIssuerSecret.substr(kIssuerSecret.find('=') + 1)) == std::string::npos);
      int requests = 0;
      std::istringstream lines(err);
      for (std::string l; std::getline(lines, l);) {
        CAPTURE(l);
        if (format == "json") {
          const json event = json::parse(l);  // every line is JSON
          if (event["event"] != "request") continue;
          CHECK(event["method"].is_string());
          CHECK(event["route"].get<std::string>().rfind("/api/auth/", 0) == 0);
          CHECK(event["status"] == 200);
          CHECK(event["duration_ms"].is_number());
        } else {
          if (l.find(" request ") == std::string::npos) continue;
          CHECK(std::regex_search(l, std::regex(R"(request method=(GET|POST) route=/api/auth/\S+ status=200 duration_ms=[0-9.]+$)")));
        }
        ++requests;
      }
      CHECK(requests == 3);
    }
  }
}

}  // namespace issuer::testing
