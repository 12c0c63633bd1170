// Better Auth's email verification token (HS256 JWT over the secret), against a token jose made.
#include <doctest/doctest.h>

#include "server/session/verification_token.h"

namespace issuer::server {
namespace {

constexpr char kSecret[] = "interop-test-secret-0123456789-abcdefghijklmn";
constexpr int64_t kIatMs = 1795499074000;
// jose: new SignJWT({email: "alice@example.com", userId: "u1"}).setProtectedHeader({alg: "HS256"})
//   .setIssuedAt(1795499074).setExpirationTime(1795499074 + 3600).sign(secret bytes)
constexpr char kJoseToken[] =
    "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlQGV4YW1wbGUuY29tIiwidXNlcklkIjoidTEiLCJpYXQiOjE3OTU0"
    "OTkwNzQsImV4cCI6MTc5NTUwMjY3NH0.4R3_LvTuo_7vvh-W-aPH9fFu4xiaga-rbrDAGopziXs";

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("SignVerificationToken makes jose's token byte for byte") {
    const VerificationClaims claims{"alice@example.com", std::string("u1"), std::nullopt};
    CHECK(SignVerificationToken(claims, kSecret, kIatMs + 999, 3600) == kJoseToken);
  }

  TEST_CASE("CheckVerificationToken: valid until exp, then expired, tampering is invalid") {
    const CheckedToken ok = CheckVerificationToken(kJoseToken, kSecret, kIatMs + 3599 * 1000);
    REQUIRE(ok.outcome == TokenCheck::kValid);
    CHECK(ok.claims.email == "alice@example.com");
    CHECK(ok.claims.user_id == "u1");
    CHECK(CheckVerificationToken(kJoseToken, kSecret, kIatMs + 3600 * 1000).outcome ==
          TokenCheck::kExpired);
    CHECK(CheckVerificationToken(kJoseToken, "another-secret", kIatMs).outcome ==
          TokenCheck::kInvalid);
    std::string tampered = kJoseToken;
    tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'a' ? 'b' : 'a';
    CHECK(CheckVerificationToken(tampered, kSecret, kIatMs).outcome == TokenCheck::kInvalid);
    for (const char* bad : {"", "abc", "a.b", "a.b.c", "..."}) {
      CHECK(CheckVerificationToken(bad, kSecret, kIatMs).outcome == TokenCheck::kInvalid);
    }
  }
}

}  // namespace issuer::server
