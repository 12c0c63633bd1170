// The real build/ba-issuer binary: command line, ready line, signals and exit codes.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <httplib.h>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

using issuer::testing::CommandResult;
using issuer::testing::RunCommand;
using issuer::testing::Child;
using issuer::testing::PortOf;
using issuer::testing::TempDb;

namespace {

const std::string kBin = BA_ISSUER_BIN;
const std::string kSecret = "BETTER_AUTH_SECRET=binary-test-secret-0123456789abcdefgh";

}  // namespace

TEST_SUITE("binary") {
  TEST_CASE("--port 0 prints one ready line, serves, and stops cleanly on SIGTERM") {
    Child child({kBin, "--port", "0", "--db", ":memory:"}, {kSecret});
    const std::string line = child.ReadLine();
    REQUIRE(line.rfind("listening on http://127.0.0.1:", 0) == 0);
    httplib::Client c("127.0.0.1", PortOf(line));
    auto res = c.Get("/api/auth/ok");
    REQUIRE(res);
    CHECK(res->status == 200);
    // Without a base URL, iss/aud follow the request's Host.
    auto jwks = c.Get("/api/auth/jwks");
    CHECK(jwks->status == 200);
    child.Signal(SIGTERM);
    CHECK(child.Wait() == 0);
  }

  TEST_CASE("SIGINT stops it too") {
    Child child({kBin, "--port", "0", "--db", ":memory:"}, {kSecret});
    REQUIRE(!child.ReadLine().empty());
    child.Signal(SIGINT);
    CHECK(child.Wait() == 0);
  }

  TEST_CASE("bad configuration exits 2 with a one-line reason") {
    const std::vector<std::vector<std::string>> cases = {
        {kBin, "--port", "99999"}, {kBin, "--bogus"}, {kBin, "--base-url", "not a url"}, {kBin, "--db"}};
    for (const auto& args : cases) {
      Child child(args, {kSecret});
      const std::string err = child.ReadAllStderr();
      CHECK(child.Wait() == 2);
      CHECK(err.rfind("ba-issuer: ", 0) == 0);
      CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    }
    Child prod({kBin, "--port", "0", "--db", ":memory:", "--base-url", "https://auth.example.com"},
               {"NODE_ENV=production"});
    CHECK(prod.ReadAllStderr().find("default secret") != std::string::npos);
    CHECK(prod.Wait() == 2);
  }

  TEST_CASE("--help lists the options") {
    Child child({kBin, "--help"}, {});
    std::string text;
    for (std::string line; !(line = child.ReadLine(2000)).empty();) text += line + "\n";
    CHECK(child.Wait() == 0);
    CHECK(text.find("--base-url") != std::string::npos);
    CHECK(text.find("--db") != std::string::npos);
  }

  TEST_CASE("--version prints the release and exits 0, before any other flag is acted on") {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {kBin, "--version"}, {kBin, "serve", "--port=0", "--version"}}) {
      const CommandResult r = RunCommand(args, {});
      CHECK(r.exit_code == 0);
      CHECK(r.out.rfind("ba-issuer ", 0) == 0);
      CHECK(r.out.find('.') != std::string::npos);
      CHECK(r.err.empty());  // no secret warning: nothing was loaded
    }
  }

  TEST_CASE("the default secret works, with a warning") {
    Child child({kBin, "--port", "0", "--db", ":memory:"}, {});
    REQUIRE(!child.ReadLine().empty());
    child.Signal(SIGTERM);
    CHECK(child.Wait() == 0);
    CHECK(child.ReadAllStderr(1000).find("BETTER_AUTH_SECRET is not set") != std::string::npos);
  }

  TEST_CASE("a key that does not open with the secret stops startup, and the key is kept") {
    const std::string db = TempDb("wrong-secret");
    {
      Child first({kBin, "--port", "0", "--db", db}, {kSecret});
      const std::string line = first.ReadLine();
      REQUIRE(!line.empty());
      httplib::Client c("127.0.0.1", PortOf(line));
      REQUIRE(c.Get("/api/auth/jwks")->status == 200);  // makes the key
      first.Signal(SIGTERM);
      REQUIRE(first.Wait() == 0);
    }
    Child second({kBin, "--port", "0", "--db", db, "--base-url", "http://127.0.0.1:1"},
                 {"BETTER_AUTH_SECRET=another-secret-entirely-0123456789abcdef"});
    const std::string err = second.ReadAllStderr();
    CHECK(second.Wait() == 2);
    CHECK(err.find("jwks key ") != std::string::npos);
    CHECK(err.find("another-secret") == std::string::npos);  // never print the secret
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    // Restarted with the right secret, it serves the same key.
    Child third({kBin, "--port", "0", "--db", db}, {kSecret});
    const std::string line = third.ReadLine();
    REQUIRE(!line.empty());
    httplib::Client c("127.0.0.1", PortOf(line));
    auto jwks = c.Get("/api/auth/jwks");
    REQUIRE(jwks);
    CHECK(jwks->body.find("\"kid\"") != std::string::npos);
    third.Signal(SIGTERM);
    CHECK(third.Wait() == 0);
  }
}
