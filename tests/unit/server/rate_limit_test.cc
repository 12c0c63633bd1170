// Better Auth's rate limiter (issue 19 §6): its rules and their order, customRules keys as its
// wildcardMatch reads them, the memory and database stores counting as Better Auth's do, the
// 429 and the 503 of a failing store, and the config keys.
#include "server/http/rate_limiter.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/session/limit_store.h"
#include "storage/repository.h"

namespace issuer::server {
namespace {

constexpr int64_t kT0 = 1795499074082;

std::optional<std::string> HeaderOf(const HttpReply& reply, const std::string& name) {
  for (const auto& [n, v] : reply.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

HttpRequest From(const std::string& peer) {
  HttpRequest r;
  r.method = "POST";
  r.peer = peer;
  return r;
}

// A store that fails every step, as a store that is down or locked does.
class FailingStore final : public LimitStore {
 public:
  Result<LimitDecision> Consume(const std::string&, const LimitRule&) override {
    return Error{Errc::kUnavailable, "database is locked"};
  }
};

// A store that records the keys it is asked about and allows everything.
class RecordingStore final : public LimitStore {
 public:
  Result<LimitDecision> Consume(const std::string& key, const LimitRule& rule) override {
    keys.push_back(key);
    rules.push_back(rule);
    return LimitDecision{true, 0};
  }
  std::vector<std::string> keys;
  std::vector<LimitRule> rules;
};

Random Counter() {
  auto n = std::make_shared<unsigned char>(0);
  return [n](unsigned char* out, size_t len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++ % 200);
  };
}

// The decisions of `store` for `count` requests to `key`, `step_ms` apart, as 'y'/'n'.
std::string Run(LimitStore& store, Clock& clock, const std::string& key, LimitRule rule,
                int count, int64_t step_ms = 0) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    auto d = store.Consume(key, rule);
    REQUIRE(d.ok());
    out += d->allowed ? 'y' : 'n';
    clock.Advance(step_ms);
  }
  return out;
}

// Better Auth's counting, the same for both stores: 3 per 10 s from the last counted request.
void ChecksCounting(LimitStore& store, Clock& clock) {
  const LimitRule rule{10, 3};
  CHECK(Run(store, clock, "a|/sign-in/email", rule, 4, 1000) == "yyyn");
  // 4 s after the first, 2 s after the last counted one: 8 s left.
  auto refused = store.Consume("a|/sign-in/email", rule);
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->allowed);
  CHECK(refused->retry_after_s == 8);
  CHECK(Run(store, clock, "b|/sign-in/email", rule, 1) == "y");  // another key counts apart
  clock.Advance(7999);  // 9.999 s after the last counted request
  CHECK(Run(store, clock, "a|/sign-in/email", rule, 1) == "n");
  clock.Advance(1);  // 10 s: a new window
  CHECK(Run(store, clock, "a|/sign-in/email", rule, 4) == "yyyn");
  // A refused request does not move the window: it still ends 10 s after the last counted one.
  clock.Advance(9000);
  CHECK(Run(store, clock, "a|/sign-in/email", rule, 1) == "n");
  clock.Advance(1000);
  CHECK(Run(store, clock, "a|/sign-in/email", rule, 1) == "y");
}

// A SQLite store in memory with Better Auth's rateLimit table (or without, `declared` false),
// under a fixed clock.
struct Db {
  explicit Db(bool declared = true) {
    auto opened = storage::OpenRepository(":memory:");
    REQUIRE(opened.ok());
    repo = std::move(*opened);
    if (declared) REQUIRE(DatabaseLimitStore::DeclareTable(*repo).ok());
  }
  DatabaseLimitStore Store() { return DatabaseLimitStore(*repo, clock, Counter(), log, 60); }
  int64_t Rows() { return *repo->CountRows("rateLimit", {}); }

  Clock clock = Clock::Fixed(kT0);
  Logger log{nullptr, clock};
  std::unique_ptr<storage::Repository> repo;
};

Result<LoadedConfig> WithFile(const std::string& text, std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), {"--config", "app.json"});
  return LoadConfig(
      flags, [](const std::string&) -> std::optional<std::string> { return std::nullopt; },
      [text](const std::string&) -> Result<std::string> { return text; });
}

Config Loaded(const std::string& text, std::vector<std::string> flags = {}) {
  auto loaded = WithFile(text, std::move(flags));
  INFO((loaded.ok() ? std::string() : loaded.error().message));
  REQUIRE(loaded.ok());
  return loaded->config;
}

std::string FileError(const std::string& text, std::vector<std::string> flags = {}) {
  auto loaded = WithFile(text, std::move(flags));
  return loaded.ok() ? "" : loaded.error().message;
}

}  // namespace

TEST_SUITE("rate limit") {
  TEST_CASE("customRules keys: exact paths, or Better Auth's wildcards with '/' as separator") {
    CHECK(PathPattern("/sign-in/email").Matches("/sign-in/email"));
    CHECK_FALSE(PathPattern("/sign-in/email").Matches("/sign-in/email/"));
    CHECK_FALSE(PathPattern("/sign-in/?mail").Matches("/sign-in/email"));  // no '*': exact
    const PathPattern one("/sign-in/*");
    CHECK(one.Matches("/sign-in/email"));
    CHECK(one.Matches("/sign-in/"));
    CHECK(one.Matches("/sign-in/email/"));
    CHECK_FALSE(one.Matches("/sign-in"));
    CHECK_FALSE(one.Matches("/sign-in/email/x"));
    const PathPattern deep("/two-factor/**");
    CHECK(deep.Matches("/two-factor"));
    CHECK(deep.Matches("/two-factor/verify-totp"));
    CHECK(deep.Matches("/two-factor/a/b/c"));
    CHECK(deep.Matches("/two-factorx"));  // as Better Auth's regex: (?:[^/]*?[/]*?)*?
    CHECK_FALSE(deep.Matches("/admin/list-users"));
    const PathPattern middle("/organization/**/members");
    CHECK(middle.Matches("/organization/members"));
    CHECK(middle.Matches("/organization/x/y/members"));
    CHECK_FALSE(middle.Matches("/organization/xmembers"));
    CHECK(PathPattern("/*-session").Matches("/get-session"));
    CHECK_FALSE(PathPattern("/*-session").Matches("/a/get-session"));
    CHECK(PathPattern("/sign-?n/*").Matches("/sign-in/email"));
    CHECK(PathPattern("/a\\*b*").Matches("/a*bc"));
    CHECK_FALSE(PathPattern("/a\\*b*").Matches("/axbc"));
    CHECK(PathPattern("**").Matches("/anything/at/all"));
    CHECK(PathPattern("//sign-in//*").Matches("//sign-in/email"));  // slashes may repeat
  }

  TEST_CASE("rules: default, Better Auth's special rules, then plugins, then customRules") {
    RateLimitRules rules;
    CHECK(rules.For("/get-session") == LimitRule{10, 100});
    CHECK(rules.For("/sign-in/email") == LimitRule{10, 3});
    CHECK(rules.For("/sign-up/email") == LimitRule{10, 3});
    CHECK(rules.For("/change-password") == LimitRule{10, 3});
    CHECK(rules.For("/change-email") == LimitRule{10, 3});
    CHECK(rules.For("/request-password-reset") == LimitRule{60, 3});
    CHECK(rules.For("/send-verification-email") == LimitRule{60, 3});
    CHECK(rules.For("/forget-password") == LimitRule{60, 3});
    CHECK(rules.For("/email-otp/send-verification-otp") == LimitRule{60, 3});
    CHECK(rules.For("/reset-password") == LimitRule{10, 100});
    rules.fallback = {60, 20};
    CHECK(rules.For("/token") == LimitRule{60, 20});
    rules.plugin = {{"/two-factor/", {10, 3}}, {"/two-factor/verify", {1, 1}}};
    CHECK(rules.For("/two-factor/verify-totp") == LimitRule{10, 3});  // the first that matches
    CHECK(rules.For("/sign-in/email") == LimitRule{10, 3});
    rules.custom.push_back({PathPattern("/two-factor/*"), LimitRule{30, 5}});
    rules.custom.push_back({PathPattern("/sign-in/email"), LimitRule{10, 10}});
    rules.custom.push_back({PathPattern("/ok"), std::nullopt});
    rules.custom.push_back({PathPattern("/sign-in/*"), LimitRule{1, 1}});
    CHECK(rules.For("/two-factor/verify-totp") == LimitRule{30, 5});
    CHECK(rules.For("/sign-in/email") == LimitRule{10, 10});  // listed before "/sign-in/*"
    CHECK(rules.For("/sign-in/username") == LimitRule{1, 1});
    CHECK_FALSE(rules.For("/ok").has_value());
    CHECK(rules.LongestWindowS() == 60);
    rules.custom.push_back({PathPattern("/slow"), LimitRule{3600, 1}});
    CHECK(rules.LongestWindowS() == 3600);
  }

  TEST_CASE("memory store: Better Auth's counting") {
    Clock clock = Clock::Fixed(kT0);
    MemoryLimitStore store(clock);
    ChecksCounting(store, clock);
  }

  TEST_CASE("memory store: finished windows are dropped, and the store stays bounded") {
    Clock clock = Clock::Fixed(kT0);
    MemoryLimitStore store(clock, 10);
    for (int i = 0; i < 5; ++i) REQUIRE(store.Consume("k" + std::to_string(i), {10, 3}).ok());
    CHECK(store.size() == 5);
    clock.Advance(10000);
    REQUIRE(store.Consume("fresh", {10, 3}).ok());
    CHECK(store.size() == 1);
    for (int i = 0; i < 50; ++i) {
      clock.Advance(1);
      REQUIRE(store.Consume("m" + std::to_string(i), {10, 3}).ok());
    }
    CHECK(store.size() <= 10);
    // The newest keys are kept: the last one still counts.
    CHECK(Run(store, clock, "m49", {10, 1}, 1) == "n");
  }

  TEST_CASE("database store: Better Auth's counting in its rateLimit table") {
    Db db;
    DatabaseLimitStore store = db.Store();
    ChecksCounting(store, db.clock);
    auto rows = db.repo->FindRows("rateLimit", {{"key", std::string("a|/sign-in/email")}});
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    const auto* count = storage::FindColumn((*rows)[0], "count");
    REQUIRE(count != nullptr);
    CHECK(std::get<int64_t>(*count) == 1);
  }

  TEST_CASE("database store: two stores on one database count together, and old rows go") {
    Db db;
    DatabaseLimitStore a = db.Store();
    DatabaseLimitStore b = db.Store();
    std::string seen;
    for (int i = 0; i < 6; ++i) seen += Run(i % 2 ? b : a, db.clock, "k|/sign-in/email", {10, 3}, 1);
    CHECK(seen == "yyynnn");
    CHECK(db.Rows() == 1);
    db.clock.Advance(61000);  // past the longest window, and a minute after the last pruning
    REQUIRE(a.Consume("other|/ok", {10, 100}).ok());
    CHECK(db.Rows() == 1);  // only the new row
  }

  TEST_CASE("database store: a missing table is an error, never an allowed request") {
    Db db(/*declared=*/false);
    DatabaseLimitStore store = db.Store();
    CHECK_FALSE(store.Consume("k|/sign-in/email", {10, 3}).ok());
  }

  TEST_CASE("the limiter: key client|path, 429 with X-Retry-After, 503 when the store fails") {
    Clock clock = Clock::Fixed(kT0);
    Logger log(nullptr, clock);
    RecordingStore recording;
    RateLimiter keyed(RateLimitRules{}, ClientIpPolicy{}, recording, log);
    CHECK_FALSE(keyed.Check(From("2001:DB8::1"), "/sign-in/email").has_value());
    CHECK_FALSE(keyed.Check(From("::ffff:192.0.2.1"), "/get-session").has_value());
    CHECK_FALSE(keyed.Check(From(""), "/ok").has_value());
    CHECK(recording.keys == std::vector<std::string>{
                                "2001:0db8:0000:0000:0000:0000:0000:0000|/sign-in/email",
                                "192.0.2.1|/get-session", "no-trusted-ip|/ok"});
    CHECK(recording.rules[0] == LimitRule{10, 3});

    MemoryLimitStore memory(clock);
    RateLimiter limiter(RateLimitRules{}, ClientIpPolicy{}, memory, log);
    for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.Check(From("198.51.100.1"), "/sign-in/email"));
    auto refused = limiter.Check(From("198.51.100.1"), "/sign-in/email");
    REQUIRE(refused.has_value());
    CHECK(refused->status == 429);
    CHECK(refused->body == R"({"message":"Too many requests. Please try again later."})");
    CHECK(refused->content_type == "application/json");
    CHECK(HeaderOf(*refused, "X-Retry-After") == "10");
    CHECK_FALSE(limiter.Check(From("198.51.100.2"), "/sign-in/email"));  // another client

    FailingStore failing;
    RateLimiter down(RateLimitRules{}, ClientIpPolicy{}, failing, log);
    auto unavailable = down.Check(From("198.51.100.1"), "/sign-in/email");
    REQUIRE(unavailable.has_value());
    CHECK(unavailable->status == 503);
    CHECK(unavailable->body.find("SERVICE_UNAVAILABLE") != std::string::npos);

    ClientIpPolicy off;
    off.disabled = true;  // Better Auth: no IP with disableIpTracking, no limit
    RateLimiter untracked(RateLimitRules{}, off, failing, log);
    CHECK_FALSE(untracked.Check(From("198.51.100.1"), "/sign-in/email").has_value());
  }

  TEST_CASE("IPv6: 12 guesses from one /64 are limited together") {
    Clock clock = Clock::Fixed(kT0);
    Logger log(nullptr, clock);
    MemoryLimitStore memory(clock);
    RateLimiter limiter(RateLimitRules{}, ClientIpPolicy{}, memory, log);
    std::string seen;
    const char* spellings[] = {"2001:db8::1", "2001:DB8::1", "2001:0db8::1", "2001:db8::2"};
    for (int i = 0; i < 12; ++i) {
      seen += limiter.Check(From(spellings[i % 4]), "/sign-in/email") ? 'n' : 'y';
    }
    CHECK(seen == "yyynnnnnnnnn");
    CHECK_FALSE(limiter.Check(From("2001:db8:0:1::1"), "/sign-in/email"));  // the next /64
  }

  TEST_CASE("config: rateLimit and advanced.ipAddress with Better Auth's names") {
    const Config config = Loaded(R"({
      "rateLimit": {"enabled": true, "window": 60, "max": 20, "storage": "database",
                    "customRules": {"/sign-in/email": {"window": 10, "max": 5}, "/ok": false,
                                    "/a/*": {"window": 1, "max": 1}, "/*": {"max": 2, "window": 2}}},
      "advanced": {"ipAddress": {"ipAddressHeaders": ["CF-Connecting-IP"], "ipv6Subnet": 48,
                                 "disableIpTracking": false, "trustedProxies": ["10.0.0.0/8"]}}})",
                                 {"--trusted-proxy", "127.0.0.1/32,::1", "--trusted-proxy=192.0.2.9"});
    CHECK(config.rate_limit_on());
    CHECK(config.rate_limit_in_database());
    CHECK(config.rate_limit.fallback == LimitRule{60, 20});
    REQUIRE(config.rate_limit.custom.size() == 4);
    // In the file's order (Better Auth takes the first match), not sorted.
    CHECK(config.rate_limit.custom[0].pattern.text() == "/sign-in/email");
    CHECK(config.rate_limit.custom[1].pattern.text() == "/ok");
    CHECK(config.rate_limit.custom[2].pattern.text() == "/a/*");
    CHECK(config.rate_limit.custom[3].pattern.text() == "/*");
    CHECK(config.rate_limit.custom[0].rule == LimitRule{10, 5});
    CHECK_FALSE(config.rate_limit.custom[1].rule.has_value());
    CHECK(config.client_ip.headers == std::vector<std::string>{"cf-connecting-ip"});
    CHECK(config.client_ip.ipv6_subnet == 48);
    CHECK(config.client_ip.trusted_proxies.size() == 4);
  }

  TEST_CASE("config: defaults (on in production only, memory on SQLite, database on PostgreSQL)") {
    Config config = Loaded("{}");
    CHECK_FALSE(config.rate_limit_on());
    config.node_env = "production";
    CHECK(config.rate_limit_on());
    CHECK_FALSE(config.rate_limit_in_database());
    config.db_path = "postgres://db.example/auth";
    CHECK(config.rate_limit_in_database());
    config.db_path = "postgresql://db.example/auth";
    CHECK(config.rate_limit_in_database());
    config.rate_limit_storage = "memory";
    CHECK_FALSE(config.rate_limit_in_database());
    config.rate_limit_enabled = false;
    CHECK_FALSE(config.rate_limit_on());
    CHECK(config.client_ip.headers == std::vector<std::string>{"x-forwarded-for"});
    CHECK(config.client_ip.ipv6_subnet == 64);
    CHECK(config.client_ip.trusted_proxies.empty());
  }

  TEST_CASE("config: bad values are refused, naming the key") {
    auto refused = [](const std::string& text, const std::string& part) {
      const std::string error = FileError(text);
      INFO(text << " -> " << error);
      CHECK(error.find(part) != std::string::npos);
    };
    refused(R"({"rateLimit": {"storage": "secondary-storage"}})",
            "rateLimit.storage: \"secondary-storage\" needs a secondary storage");
    refused(R"({"rateLimit": {"storage": "redis"}})", "rateLimit.storage: expected");
    refused(R"({"rateLimit": {"window": 0}})", "rateLimit.window: expected a whole number");
    refused(R"({"rateLimit": {"max": "3"}})", "rateLimit.max: expected a whole number");
    refused(R"({"rateLimit": {"enabled": "yes"}})", "rateLimit.enabled: expected true or false");
    refused(R"({"rateLimit": {"modelName": "limits"}})", "rateLimit.modelName: unknown key");
    refused(R"({"rateLimit": {"customRules": {"/x": {"window": 10}}}})",
            "rateLimit.customRules./x: expected");
    refused(R"({"rateLimit": {"customRules": {"/x": true}}})", "rateLimit.customRules./x");
    refused(R"({"rateLimit": {"customRules": {"/x": {"window": 1, "max": 1, "n": 1}}}})",
            "rateLimit.customRules./x.n: unknown key");
    refused(R"({"rateLimit": {"customRules": {"sign-in": false}}})", "expected a path");
    refused(R"({"advanced": {"ipAddress": {"ipv6Subnet": 129}}})",
            "advanced.ipAddress.ipv6Subnet: expected a whole number from 0 to 128");
    refused(R"({"advanced": {"ipAddress": {"trustedProxies": ["10.0.0.0/33"]}}})",
            "advanced.ipAddress.trustedProxies: \"10.0.0.0/33\" is not an address");
    refused(R"({"advanced": {"ipAddress": {"ipAddressHeaders": ["x forwarded"]}}})",
            "is not a header name");
    refused(R"({"advanced": {"ipAddress": {"other": 1}}})", "advanced.ipAddress.other: unknown key");
    CHECK(FileError("{}", {"--trusted-proxy", "nginx"}).find("invalid --trusted-proxy") == 0);
    CHECK(FileError("{}", {"--trusted-proxy", ""}).find("--trusted-proxy needs") == 0);
  }

  TEST_CASE("config: warnings for settings that do less than they seem") {
    auto warnings = [](const std::string& text) {
      auto loaded = WithFile(text);
      REQUIRE(loaded.ok());
      std::string all;
      for (const auto& w : loaded->warnings) all += w + "\n";
      return all;
    };
    CHECK(warnings(R"({"advanced": {"ipAddress": {"ipAddressHeaders": ["x-real-ip"]}}})")
              .find("read only from a trusted proxy") != std::string::npos);
    CHECK(warnings(R"({"advanced": {"ipAddress": {"ipAddressHeaders": ["x-real-ip"],
                                                  "trustedProxies": ["127.0.0.1"]}}})")
              .find("trusted proxy") == std::string::npos);
    CHECK(warnings(R"({"rateLimit": {"enabled": true},
                       "advanced": {"ipAddress": {"disableIpTracking": true}}})")
              .find("no request is rate limited") != std::string::npos);
  }
}

}  // namespace issuer::server
