#include "keys/lifecycle.h"

#include <doctest/doctest.h>

#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keys/jwk.h"

namespace issuer::keys {
namespace {

constexpr int64_t kSec = 1000;
constexpr int64_t kDay = 86400 * kSec;
constexpr int64_t kT0 = 1795499074082;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

StoredKey Row(std::string kid, int64_t created, std::optional<int64_t> expires = std::nullopt,
              std::optional<std::string> alg = "EdDSA") {
  StoredKey row;
  row.kid = std::move(kid);
  row.public_key_json = R"({"crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kty":"OKP"})";
  row.alg = std::move(alg);
  row.created_at_ms = created;
  row.expires_at_ms = expires;
  return row;
}

KeyPolicy Rotating(int64_t interval_ms, int64_t lead_ms) {
  KeyPolicy policy;
  policy.rotation_interval_ms = interval_ms;
  policy.lead_time_ms = lead_ms;
  return policy;
}

// Applies a planned step to `rows` as the key timer would (the new key gets `kid`).
void Apply(const RotationStep& step, const std::string& kid, std::vector<StoredKey>* rows) {
  if (step.active_expiry) {
    for (StoredKey& row : *rows) {
      if (row.kid == step.active_expiry->first) row.expires_at_ms = step.active_expiry->second;
    }
  }
  rows->push_back(Row(kid, step.created_at_ms, step.expires_at_ms));
}

std::string States(const std::vector<StoredKey>& rows, const KeyPolicy& policy, int64_t now) {
  std::string out;
  for (KeyState s : ClassifyKeys(rows, policy, now)) {
    out += (out.empty() ? "" : ",") + std::string(KeyStateName(s));
  }
  return out;
}

}  // namespace

TEST_SUITE("lifecycle") {
  TEST_CASE("live and published follow Better Auth, without overflow near the limits") {
    KeyPolicy policy;  // grace 30 days
    CHECK(IsLive(Row("a", kT0), kT0));
    CHECK(IsLive(Row("a", kT0, kT0 + 1), kT0));
    CHECK_FALSE(IsLive(Row("a", kT0, kT0), kT0));  // strictly after now
    CHECK(IsPublished(Row("a", kT0, kT0 - 29 * kDay), policy, kT0));
    CHECK_FALSE(IsPublished(Row("a", kT0, kT0 - 30 * kDay), policy, kT0));
    CHECK(IsPublished(Row("a", kT0, kMax), policy, kT0));
    CHECK(IsLive(Row("a", kT0, kMax), kMax - 1));
    CHECK_FALSE(IsPublished(Row("a", kT0, std::numeric_limits<int64_t>::min()), policy, kT0));
    policy.grace_period_ms = kMax;
    const int64_t min = std::numeric_limits<int64_t>::min();
    CHECK(IsPublished(Row("a", kT0, -kT0), policy, kT0));
    CHECK_FALSE(IsPublished(Row("a", kT0, min), policy, min + 5));  // now - grace saturates
    CHECK(IsPublished(Row("a", kT0, min + 1), policy, min + 5));
  }

  TEST_CASE("states: active, standby, retiring, expired") {
    const KeyPolicy policy;
    const std::vector<StoredKey> rows = {
        Row("old", kT0 - 40 * kDay, kT0 - 31 * kDay),   // past the grace period
        Row("retiring", kT0 - 10 * kDay, kT0 - kDay),   // expired, published
        Row("active", kT0 - kDay, kT0 + kDay),          // newest live
        Row("standby", kT0 - kDay - 1, kT0 + 2 * kDay)  // live, sorts below active
    };
    CHECK(States(rows, policy, kT0) == "expired,retiring,active,standby");
    CHECK(States(rows, policy, kT0 + kDay) == "expired,retiring,retiring,active");
    CHECK(SigningRowIndex(rows, "EdDSA", policy, kT0) == std::optional<size_t>(2));
  }

  TEST_CASE("NULL alg is the configured alg, another alg has its own active key") {
    KeyPolicy policy;
    const std::vector<StoredKey> rows = {Row("legacy", kT0 - kDay, std::nullopt, std::nullopt),
                                         Row("rsa", kT0, std::nullopt, "RS256")};
    CHECK(SigningRowIndex(rows, "EdDSA", policy, kT0) == std::optional<size_t>(0));
    CHECK(SigningRowIndex(rows, "RS256", policy, kT0) == std::optional<size_t>(1));
    CHECK(States(rows, policy, kT0) == "active,active");
    policy.alg = "RS256";
    CHECK(SigningRowIndex(rows, "RS256", policy, kT0) == std::optional<size_t>(1));
    CHECK(States(rows, policy, kT0) == "standby,active");  // NULL counts as RS256 now
  }

  TEST_CASE("an empty table or no live key plans the first key") {
    auto first = PlanRotation({}, KeyPolicy{}, kT0, 2000);
    REQUIRE(first);
    CHECK(first->kind == RotationStep::kFirstKey);
    CHECK(first->created_at_ms == kT0);
    CHECK_FALSE(first->expires_at_ms.has_value());
    auto rotating = PlanRotation({Row("gone", kT0 - 2 * kDay, kT0 - kDay)},
                                 Rotating(kDay, 60 * kSec), kT0, 2000);
    REQUIRE(rotating);
    CHECK(rotating->kind == RotationStep::kFirstKey);
    CHECK(rotating->expires_at_ms == kT0 + kDay);
  }

  TEST_CASE("without rotation a key that never expires needs nothing") {
    CHECK_FALSE(PlanRotation({Row("a", kT0 - kDay)}, KeyPolicy{}, kT0, 2000));
  }

  TEST_CASE("a key another writer gave an expiry gets a standby even with rotation off") {
    const KeyPolicy policy;  // lead 300 s
    const std::vector<StoredKey> rows = {Row("a", kT0 - 3600 * kSec, kT0 + 200 * kSec)};
    CHECK_FALSE(PlanRotation(rows, policy, kT0 - 103 * kSec, 2000));
    auto step = PlanRotation(rows, policy, kT0 - 102 * kSec, 2000);
    REQUIRE(step);
    CHECK(step->kind == RotationStep::kStandby);
    CHECK(step->created_at_ms == kT0 - 3600 * kSec - 1);
    // One lifetime of the active key (3800 s) after it expires.
    CHECK(step->expires_at_ms == kT0 + 200 * kSec + 3800 * kSec);
    CHECK_FALSE(step->active_expiry.has_value());
  }

  TEST_CASE("rotation on: a key with no expiry gets one, and a standby at once") {
    const KeyPolicy policy = Rotating(kDay, 300 * kSec);
    const std::vector<StoredKey> rows = {Row("a", kT0 - 2 * kDay)};
    auto step = PlanRotation(rows, policy, kT0, 2000);
    REQUIRE(step);
    CHECK(step->kind == RotationStep::kStandby);
    REQUIRE(step->active_expiry);
    CHECK(step->active_expiry->first == "a");
    // Its planned expiry is long past, so it expires once the standby has been published for
    // the lead time (plus the timer margin).
    CHECK(step->active_expiry->second == kT0 + 302 * kSec);
    CHECK(step->created_at_ms == kT0 - 2 * kDay - 1);
    CHECK(step->expires_at_ms == kT0 + 302 * kSec + kDay);
  }

  TEST_CASE("a standby is planned only within the lead time, and only once") {
    const KeyPolicy policy = Rotating(kDay, 300 * kSec);
    std::vector<StoredKey> rows = {Row("a", kT0, kT0 + kDay)};
    CHECK_FALSE(PlanRotation(rows, policy, kT0, 2000));
    CHECK_FALSE(PlanRotation(rows, policy, kT0 + kDay - 303 * kSec, 2000));
    auto step = PlanRotation(rows, policy, kT0 + kDay - 302 * kSec, 2000);
    REQUIRE(step);
    Apply(*step, "b", &rows);
    CHECK_FALSE(PlanRotation(rows, policy, kT0 + kDay - 301 * kSec, 2000));
    CHECK(States(rows, policy, kT0 + kDay - 1) == "active,standby");
    CHECK(States(rows, policy, kT0 + kDay) == "retiring,active");
  }

  TEST_CASE("across many rotations every key is published for the lead time before it signs") {
    const int64_t interval = 3 * kSec;
    const int64_t lead = 1500;
    const KeyPolicy policy = Rotating(interval, lead);
    std::vector<StoredKey> rows;
    std::map<std::string, int64_t> written;  // kid -> when the timer wrote it
    std::map<std::string, int64_t> first_signed;
    int made = 0;
    for (int64_t now = kT0; now < kT0 + 30 * kSec; now += 1000) {  // a 1 s timer
      if (auto step = PlanRotation(rows, policy, now, 2000)) {
        const std::string kid = "k" + std::to_string(made++);
        Apply(*step, kid, &rows);
        written[kid] = now;
      }
      for (int64_t t = now; t < now + 1000; t += 50) {  // tokens between ticks
        auto signer = SigningRowIndex(rows, "EdDSA", policy, t);
        REQUIRE(signer);
        first_signed.emplace(rows[*signer].kid, t);
      }
    }
    CHECK(made >= 10);
    CHECK(made <= 11);  // one key per interval, plus the first
    for (const auto& entry1 : first_signed) {
      const auto& kid = entry1.first;
      const auto& t = entry1.second;
      if (kid == "k0") continue;  // the first key signs at once
      CHECK_MESSAGE(t - written.at(kid) >= lead, kid);
    }
  }

  TEST_CASE("a key that will sign after the active one means no standby is needed") {
    const KeyPolicy policy = Rotating(kDay, 300 * kSec);
    const std::vector<StoredKey> rows = {Row("a", kT0, kT0 + 100 * kSec),
                                         Row("other", kT0 - 5, kT0 + 2 * kDay)};
    CHECK_FALSE(PlanRotation(rows, policy, kT0, 2000));
  }

  TEST_CASE("joining late: an active key expiring within the lead time is pushed out to it") {
    const KeyPolicy policy = Rotating(3 * kSec, 1500);
    // Another writer's key expires in 0.7 s.
    const std::vector<StoredKey> rows = {Row("ba", kT0 - 2300, kT0 + 700)};
    auto step = PlanRotation(rows, policy, kT0, 2000);
    REQUIRE(step);
    CHECK(step->kind == RotationStep::kStandby);
    REQUIRE(step->active_expiry);
    CHECK(step->active_expiry->first == "ba");
    CHECK(step->active_expiry->second == kT0 + 1500);
    CHECK(step->expires_at_ms == kT0 + 1500 + 3 * kSec);
    // With time to spare nothing is moved.
    auto timely = PlanRotation({Row("ba", kT0 - 1000, kT0 + 2000)}, policy, kT0, 2000);
    REQUIRE(timely);
    CHECK_FALSE(timely->active_expiry.has_value());
  }
}

}  // namespace issuer::keys
