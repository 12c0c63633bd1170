// The two-factor plugin through the real binary, on the test API's clock: the time limits
// Better Auth sets (the challenge's 10 minutes, the OTP's 3, the trusted device's 30 days, the
// lockout's 15), /__test/totp, its option errors at start-up, and a log free of secrets.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "keys/base32.h"
#include "keys/totp.h"
#include "tests/support/child_process.h"
#include "tests/support/issuer.h"

namespace issuer::testing {
namespace {

using nlohmann::json;

constexpr char kPassword[] = "correct horse battery";

// One server with {"plugins": {"twoFactor": {}}} and the test API, its log in a file.
class TwoFactorServer {
 public:
  explicit TwoFactorServer(const std::string& name, const std::string& options = "{}")
      : log_path_("/tmp/ba-issuer-test-" + std::to_string(getpid()) + "-" + name + ".log") {
    const std::string config =
        WriteTempFile(name + ".json", R"({"plugins": {"twoFactor": )" + options + "}}");
    child_ = std::make_unique<Child>(
        std::vector<std::string>{kIssuerBin, "--port", "0", "--db", ":memory:", "--config",
                                 config, "--test-api"},
        std::vector<std::string>{kIssuerSecret}, log_path_);
    const std::string line = child_->ReadLine();
    REQUIRE_MESSAGE(line.rfind("listening on http://", 0) == 0, "no ready line: ", line);
    port_ = PortOf(line);
  }
  ~TwoFactorServer() { std::remove(log_path_.c_str()); }

  // POST with Origin (and the cookie, if any); the reply's status must be `status`.
  httplib::Result Post(const std::string& path, const json& body, const std::string& cookie = "") {
    httplib::Headers headers = {{"Origin", origin()}};
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    return client().Post("/api/auth" + path, headers, body.dump(), "application/json");
  }
  json PostJson(const std::string& path, const json& body, const std::string& cookie,
                int status) {
    return JsonOf(Post(path, body, cookie), status);
  }
  int64_t NowMs() { return JsonOf(client().Get("/__test/clock"))["nowMs"]; }
  void Advance(int64_t seconds) {
    JsonOf(client().Post("/__test/clock", json{{"advance", seconds}}.dump(), "application/json"));
  }
  // Moves the clock to 2 s into the next 30 s step, so a test has the step to itself.
  void AlignToStep() {
    const int64_t next = (NowMs() / 30000 + 1) * 30 + 2;
    JsonOf(client().Post("/__test/clock", json{{"set", next}}.dump(), "application/json"));
  }
  // The whole log: the server is stopped first (its log to a file is buffered until then).
  std::string Log() {
    child_->Signal(SIGTERM);
    CHECK(child_->Wait() == 0);
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }

 private:
  std::string log_path_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

// The whole Set-Cookie line of the first non-empty cookie `name`.
std::string SetCookieLine(const httplib::Result& res, const std::string& name) {
  for (const auto& [key, value] : res->headers) {
    if (key == "Set-Cookie" && value.rfind(name + "=", 0) == 0 && value[name.size() + 1] != ';') {
      return value;
    }
  }
  return "";
}

// "name=value" of the first non-empty Set-Cookie called `name`.
std::string CookieOf(const httplib::Result& res, const std::string& name) {
  for (const auto& [key, value] : res->headers) {
    if (key != "Set-Cookie" || value.rfind(name + "=", 0) != 0) continue;
    const std::string pair = value.substr(0, value.find(';'));
    if (pair.size() > name.size() + 1) return pair;
  }
  return "";
}

struct Enabled {
  std::string session;
  std::string key;  // the TOTP key bytes
  std::string secret;  // as the URI shows it (base32)
  std::vector<std::string> codes;
};

// Signs up, enables two-factor and verifies it on the session.
Enabled EnableFor(TwoFactorServer& srv, const std::string& email) {
  auto up = srv.Post("/sign-up/email", {{"name", "T"}, {"email", email}, {"password", kPassword}});
  REQUIRE(up);
  Enabled out;
  out.session = CookieOf(up, "better-auth.session_token");
  const json enabled = srv.PostJson("/two-factor/enable", {{"password", kPassword}}, out.session, 200);
  const std::string uri = enabled["totpURI"];
  const size_t at = uri.find("secret=") + 7;
  out.secret = uri.substr(at, uri.find('&', at) - at);
  out.key = *keys::Base32Decode(out.secret);
  out.codes = enabled["backupCodes"].get<std::vector<std::string>>();
  auto verified = srv.Post("/two-factor/verify-totp",
                           {{"code", keys::TotpCode(out.key, srv.NowMs())}}, out.session);
  REQUIRE(verified);
  REQUIRE(verified->status == 200);
  out.session = CookieOf(verified, "better-auth.session_token");
  return out;
}

// A sign-in that is held: the two_factor cookie.
std::string Challenge(TwoFactorServer& srv, const std::string& email,
                      const std::string& cookie = "") {
  auto res = srv.Post("/sign-in/email", {{"email", email}, {"password", kPassword}}, cookie);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  REQUIRE(json::parse(res->body)["twoFactorRedirect"] == true);
  CHECK(CookieOf(res, "better-auth.session_token").empty());
  return CookieOf(res, "better-auth.two_factor");
}

}  // namespace

TEST_SUITE("two-factor") {
  TEST_CASE("/__test/totp is the user's current code, on the server's clock") {
    TwoFactorServer srv("totp-api");
    const Enabled user = EnableFor(srv, "t@example.com");
    srv.Advance(3600);
    srv.AlignToStep();
    const json code = JsonOf(srv.client().Get("/__test/totp?email=T%40example.com"));
    CHECK(code["code"] == keys::TotpCode(user.key, srv.NowMs()));
    CHECK(code["digits"] == 6);
    CHECK(code["period"] == 30);
    const std::string challenge = Challenge(srv, "t@example.com");
    srv.PostJson("/two-factor/verify-totp", {{"code", code["code"]}}, challenge, 200);
    CHECK(srv.client().Get("/__test/totp?email=nobody%40example.com")->status == 400);
    CHECK(srv.client().Get("/__test/totp")->status == 400);
    auto foreign = srv.client().Get("/__test/totp?email=t%40example.com",
                                    {{"Origin", "https://evil.example"}});
    CHECK(foreign->status == 403);
  }

  TEST_CASE("a code of another time step is refused, the steps either side pass") {
    TwoFactorServer srv("steps");
    const Enabled user = EnableFor(srv, "s@example.com");
    srv.AlignToStep();
    const int64_t now = srv.NowMs();
    std::string challenge = Challenge(srv, "s@example.com");
    srv.PostJson("/two-factor/verify-totp", {{"code", keys::TotpCode(user.key, now + 90000)}},
                 challenge, 401);
    srv.PostJson("/two-factor/verify-totp", {{"code", keys::TotpCode(user.key, now + 30000)}},
                 challenge, 200);
    challenge = Challenge(srv, "s@example.com");
    srv.PostJson("/two-factor/verify-totp", {{"code", keys::TotpCode(user.key, now - 30000)}},
                 challenge, 200);
  }

  TEST_CASE("the challenge lasts twoFactorCookieMaxAge (600 s)") {
    TwoFactorServer srv("challenge-age");
    const Enabled user = EnableFor(srv, "c@example.com");
    const std::string challenge = Challenge(srv, "c@example.com");
    srv.Advance(601);
    const json late = srv.PostJson(
        "/two-factor/verify-totp", {{"code", keys::TotpCode(user.key, srv.NowMs())}}, challenge, 401);
    CHECK(late["code"] == "INVALID_TWO_FACTOR_COOKIE");
  }

  TEST_CASE("the mailed OTP lasts otpOptions.period (3 minutes)") {
    TwoFactorServer srv("otp-age");
    EnableFor(srv, "o@example.com");
    const std::string challenge = Challenge(srv, "o@example.com");
    srv.PostJson("/two-factor/send-otp", json::object(), challenge, 200);
    const json mail = JsonOf(srv.client().Get("/__test/mail?to=o%40example.com"));
    REQUIRE(mail.size() == 1);
    CHECK(mail[0]["kind"] == "two-factor-otp");
    srv.Advance(181);
    const json late = srv.PostJson("/two-factor/verify-otp", {{"code", mail[0]["otp"]}}, challenge, 400);
    CHECK(late["code"] == "OTP_HAS_EXPIRED");
  }

  TEST_CASE("a trusted device skips the second factor for trustDeviceMaxAge, then no longer") {
    TwoFactorServer srv("trust-age", R"({"trustDeviceMaxAge": 3600})");
    const Enabled user = EnableFor(srv, "d@example.com");
    const std::string challenge = Challenge(srv, "d@example.com");
    auto passed = srv.Post("/two-factor/verify-totp",
                           {{"code", keys::TotpCode(user.key, srv.NowMs())}, {"trustDevice", true}},
                           challenge);
    REQUIRE(passed->status == 200);
    const std::string trust = CookieOf(passed, "better-auth.trust_device");
    REQUIRE(!trust.empty());
    CHECK(SetCookieLine(passed, "better-auth.trust_device").find("; Max-Age=3600;") !=
          std::string::npos);
    srv.Advance(3500);
    auto skipped = srv.Post("/sign-in/email", {{"email", "d@example.com"}, {"password", kPassword}}, trust);
    REQUIRE(skipped->status == 200);
    CHECK(!CookieOf(skipped, "better-auth.session_token").empty());
    const std::string renewed = CookieOf(skipped, "better-auth.trust_device");
    REQUIRE(!renewed.empty());
    srv.Advance(3500);  // the renewed one runs from the last sign-in
    auto again = srv.Post("/sign-in/email", {{"email", "d@example.com"}, {"password", kPassword}}, renewed);
    CHECK(!CookieOf(again, "better-auth.session_token").empty());
    srv.Advance(3601);
    Challenge(srv, "d@example.com", CookieOf(again, "better-auth.trust_device"));
  }

  TEST_CASE("ten failures lock the account for 15 minutes, then a right code passes") {
    TwoFactorServer srv("lockout");
    const Enabled user = EnableFor(srv, "l@example.com");
    for (int round = 0; round < 2; ++round) {
      const std::string challenge = Challenge(srv, "l@example.com");
      for (int i = 0; i < 5; ++i) {
        srv.PostJson("/two-factor/verify-backup-code", {{"code", "wrong"}}, challenge, 401);
      }
    }
    std::string challenge = Challenge(srv, "l@example.com");
    const json locked = srv.PostJson(
        "/two-factor/verify-totp", {{"code", keys::TotpCode(user.key, srv.NowMs())}}, challenge, 429);
    CHECK(locked["code"] == "ACCOUNT_TEMPORARILY_LOCKED");
    srv.Advance(901);
    challenge = Challenge(srv, "l@example.com");
    srv.PostJson("/two-factor/verify-totp", {{"code", keys::TotpCode(user.key, srv.NowMs())}},
                 challenge, 200);
    // The count starts again: nine failures do not lock it.
    for (int round = 0; round < 2; ++round) {
      challenge = Challenge(srv, "l@example.com");
      for (int i = 0; i < (round == 0 ? 5 : 4); ++i) {
        srv.PostJson("/two-factor/verify-backup-code", {{"code", "wrong"}}, challenge, 401);
      }
    }
    srv.PostJson("/two-factor/verify-backup-code", {{"code", user.codes[0]}}, challenge, 200);
  }

  TEST_CASE("options: digits and period shape the URI and the codes, issuer names the app") {
    TwoFactorServer srv("options",
                        R"({"issuer": "Acme", "totpOptions": {"digits": 8, "period": 60},
                            "backupCodeOptions": {"amount": 3, "length": 12}})");
    auto up = srv.Post("/sign-up/email", {{"name", "O"}, {"email", "p@example.com"}, {"password", kPassword}});
    const std::string session = CookieOf(up, "better-auth.session_token");
    const json enabled = srv.PostJson("/two-factor/enable", {{"password", kPassword}}, session, 200);
    const std::string uri = enabled["totpURI"];
    CHECK(uri.rfind("otpauth://totp/Acme:p%40example.com?secret=", 0) == 0);
    CHECK(uri.find("&issuer=Acme&digits=8&period=60") != std::string::npos);
    REQUIRE(enabled["backupCodes"].size() == 3);
    CHECK(enabled["backupCodes"][0].get<std::string>().size() == 13);
    const size_t at = uri.find("secret=") + 7;
    const std::string key = *keys::Base32Decode(uri.substr(at, uri.find('&', at) - at));
    const keys::TotpParams eight{8, 60, keys::OtpHash::kSha1};
    srv.PostJson("/two-factor/verify-totp", {{"code", keys::TotpCode(key, srv.NowMs(), eight)}},
                 session, 200);
  }

  TEST_CASE("bad plugins.twoFactor options stop the start-up") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"({"sendOTP": true})", "plugins.twoFactor: sendOTP: unknown option"},
        {R"({"totpOptions": {"digits": 9}})",
         "plugins.twoFactor: totpOptions.digits: expected a whole number from 1 to 8"},
        {R"({"otpOptions": {"storeOTP": "rot13"}})",
         "plugins.twoFactor: otpOptions.storeOTP: expected one of \"plain\", \"hashed\", \"encrypted\""},
        {R"({"trustDeviceMaxAge": "30d"})", "plugins.twoFactor: trustDeviceMaxAge: expected a whole"},
        {R"({"backupCodeOptions": []})", "plugins.twoFactor: backupCodeOptions: expected an object"},
    };
    for (const auto& entry : bad) {
      const auto& [options, reason] = entry;
      CAPTURE(entry.first);  // clang 14 cannot capture a structured binding
      const std::string file =
          WriteTempFile("bad-2fa.json", R"({"plugins": {"twoFactor": )" + options + "}}");
      const CommandResult r =
          RunCommand({kIssuerBin, "--port", "0", "--db", ":memory:", "--config", file},
                     {kIssuerSecret});
      CHECK(r.exit_code == 2);
      CHECK(r.err.find(reason) != std::string::npos);
    }
  }

  TEST_CASE("the log names no secret, code, OTP or cookie") {
    TwoFactorServer srv("log");
    const Enabled user = EnableFor(srv, "g@example.com");
    const std::string challenge = Challenge(srv, "g@example.com");
    srv.PostJson("/two-factor/send-otp", json::object(), challenge, 200);
    const std::string otp =
        JsonOf(srv.client().Get("/__test/mail?to=g%40example.com"))[0]["otp"];
    srv.PostJson("/two-factor/verify-otp", {{"code", otp}}, challenge, 200);
    const std::string log = srv.Log();
    CHECK(log.find("two_factor_challenge") != std::string::npos);  // the log is there
    for (const std::string& secret :
         {user.secret, otp, user.codes[0], challenge.substr(challenge.find('=') + 1, 20)}) {
      CAPTURE(secret);
      CHECK(log.find(secret) == std::string::npos);
    }
  }
}

}  // namespace issuer::testing
