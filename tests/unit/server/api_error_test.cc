#include "tests/unit/server/parts_helpers.h"

namespace issuer::server {

using namespace test;

TEST_SUITE("api_error") {
  TEST_CASE("ToWire bodies and statuses") {
    CHECK(ToWire({ApiCode::kInvalidOrigin, ""}).status == 403);
    CHECK(WireBody(ApiCode::kInvalidOrigin) == R"({"message":"Invalid origin","code":"INVALID_ORIGIN"})");
    CHECK(WireBody(ApiCode::kMissingOrNullOrigin) ==
          R"({"message":"Missing or null Origin","code":"MISSING_OR_NULL_ORIGIN"})");
    CHECK(ToWire({ApiCode::kUserAlreadyExists, ""}).status == 422);
    CHECK(WireBody(ApiCode::kUserAlreadyExists) ==
          R"({"message":"User already exists. Use another email.",)"
          R"("code":"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"})");
    CHECK(ToWire({ApiCode::kInvalidEmailOrPassword, ""}).status == 401);
    CHECK(WireBody(ApiCode::kInvalidEmailOrPassword) ==
          R"({"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"})");
    CHECK(WireBody(ApiCode::kPasswordTooShort) ==
          R"({"message":"Password too short","code":"PASSWORD_TOO_SHORT"})");
    CHECK(WireBody(ApiCode::kPayloadTooLarge) ==
          R"({"message":"Request body too large","code":"PAYLOAD_TOO_LARGE"})");
    CHECK(ToWire({ApiCode::kPayloadTooLarge, ""}).status == 413);
    CHECK(ToWire({ApiCode::kDeferSessionRequired, ""}).status == 405);
    SUBCASE("no code where Better Auth sends none") {
      CHECK(ToWire({ApiCode::kCallbackUrlNotString, ""}).status == 400);
      CHECK(WireBody(ApiCode::kCallbackUrlNotString) ==
            R"({"message":"Invalid callbackURL: expected a string"})");
      CHECK(ToWire({ApiCode::kTooManyRequests, ""}).status == 429);
      CHECK(WireBody(ApiCode::kTooManyRequests) ==
            R"({"message":"Too many requests. Please try again later."})");
    }
    SUBCASE("a given message replaces the default") {
      CHECK(WireBody(ApiCode::kValidationError, "[body.email] Invalid email address") ==
            R"({"message":"[body.email] Invalid email address","code":"VALIDATION_ERROR"})");
    }
    SUBCASE("invalid UTF-8 in a message is replaced, not thrown") {
      CHECK(WireBody(ApiCode::kValidationError, "bad \xff byte") ==
            "{\"message\":\"bad \xef\xbf\xbd byte\",\"code\":\"VALIDATION_ERROR\"}");
    }
  }

  TEST_CASE("FromError hides lower-layer details") {
    const ApiError busy = FromError(Error{Errc::kUnavailable, "database is locked"});
    CHECK(busy.code == ApiCode::kServiceUnavailable);
    CHECK(ToWire(busy).status == 503);
    CHECK(ToWire(busy).body.find("locked") == std::string::npos);
    const ApiError other = FromError(Error{Errc::kConflict, "UNIQUE constraint failed: user.email"});
    CHECK(other.code == ApiCode::kInternal);
    const WireError wire = ToWire(other);
    CHECK(wire.status == 500);
    CHECK(wire.body == R"({"message":"Internal server error","code":"INTERNAL_SERVER_ERROR"})");
  }
}

}  // namespace issuer::server
