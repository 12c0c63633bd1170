#include "tests/unit/server/parts_helpers.h"

namespace issuer::server {

using namespace test;

TEST_SUITE("request_body") {
  TEST_CASE("ParseBody: JSON") {
    const Body plain = BodyOf(Parse("application/json", R"({"email":"a@b.co","n":1})", false));
    REQUIRE(plain);
    CHECK((*plain)["email"] == "a@b.co");
    CHECK((*plain)["n"] == 1);
    const Body charset = BodyOf(Parse("application/json; charset=utf-8", R"({"a":true})", false));
    REQUIRE(charset);
    CHECK((*charset)["a"] == true);
    CHECK(BodyOf(Parse("Application/JSON ; charset=UTF-8", "[1,2]", false)) ==
          Body(nlohmann::json::array({1, 2})));
    CHECK_FALSE(BodyOf(Parse("application/json", "", false)).has_value());
  }

  TEST_CASE("ParseBody: malformed JSON is BAD_REQUEST") {
    for (const char* bad : {"{", "{\"a\":}", "nope", "{\"a\":1} x", "\xff", "[1e400]",
                            "{\"a\":1e400}", "{\"a\":-1e400}"}) {
      CAPTURE(bad);
      CHECK(ErrorOf(Parse("application/json", bad, true)).code == ApiCode::kInvalidJson);
    }
    const WireError wire = ToWire(ErrorOf(Parse("application/json", "{", true)));
    CHECK(wire.status == 400);
    CHECK(wire.body == R"({"message":"Invalid JSON in request body","code":"BAD_REQUEST"})");
  }

  TEST_CASE("ParseBody: form-urlencoded only where allowed") {
    const Body form = BodyOf(Parse("application/x-www-form-urlencoded",
                                   "email=a%40b.co&password=p+w%21&rememberMe=false", true));
    REQUIRE(form);
    CHECK(*form == nlohmann::json{{"email", "a@b.co"}, {"password", "p w!"},
                                  {"rememberMe", "false"}});
    const ApiError refused = ErrorOf(Parse("application/x-www-form-urlencoded", "a=1", false));
    CHECK(refused.code == ApiCode::kUnsupportedMediaType);
    CHECK(refused.message ==
          "Content-Type \"application/x-www-form-urlencoded\" is not allowed. Allowed types: "
          "application/json");
  }

  TEST_CASE("ParseBody: a repeated form field keeps the last value, as better-call does") {
    // better-call getBody: formData.forEach((value, key) => { result[key] = value }).
    const Body form =
        BodyOf(Parse("application/x-www-form-urlencoded", "email=first%40a.co&email=last%40a.co",
                     true));
    REQUIRE(form);
    CHECK((*form)["email"] == "last@a.co");
  }

  TEST_CASE("ParseBody: other types are 415 with better-call's message") {
    const ApiError e = ErrorOf(Parse("text/plain", "hello", true));
    CHECK(e.code == ApiCode::kUnsupportedMediaType);
    const WireError wire = ToWire(e);
    CHECK(wire.status == 415);
    CHECK(wire.body ==
          R"({"message":"Content-Type \"text/plain\" is not allowed. Allowed types: )"
          R"(application/x-www-form-urlencoded, application/json","code":"UNSUPPORTED_MEDIA_TYPE"})");
    CHECK(ErrorOf(Parse("text/plain", "hello", false)).message ==
          "Content-Type \"text/plain\" is not allowed. Allowed types: application/json");
    CHECK(ErrorOf(Parse("application/jsonx", "{}", false)).code ==
          ApiCode::kUnsupportedMediaType);
  }

  TEST_CASE("ParseBody: the 415 message quotes the Content-Type header as sent") {
    // better-call utils.mjs: `Content-Type "${contentType}" is not allowed` with the raw header.
    CHECK(ErrorOf(Parse("text/plain; charset=utf-8", "hello", false)).message ==
          "Content-Type \"text/plain; charset=utf-8\" is not allowed. Allowed types: "
          "application/json");
  }

  TEST_CASE("ParseBody: no Content-Type means no body") {
    CHECK_FALSE(BodyOf(ParseBody(Request("POST", {}, R"({"a":1})"), true)).has_value());
    CHECK_FALSE(BodyOf(ParseBody(Request("POST", {}), false)).has_value());
  }

  TEST_CASE("ValidateFields: zod messages") {
    CHECK(Validate(R"({"name":"n","email":"a@b.co","password":"pw"})") == "");
    CHECK(Validate(R"({"name":"","email":"a@b.co","password":"pw","image":"i","rememberMe":true})") ==
          "");
    CHECK(Validate(R"({"name":"n","email":5,"password":"pw"})") ==
          "[body.email] Invalid input: expected string, received number");
    CHECK(Validate(R"({"name":5,"email":"a@b.co"})") ==
          "[body.name] Invalid input: expected string, received number; "
          "[body.password] Invalid input: expected string, received undefined");
    CHECK(Validate(R"({"name":"n","email":"not-an-email","password":"pw"})") ==
          "[body.email] Invalid email address");
    CHECK(Validate(R"({"name":"n","email":"a@b.co","password":"pw","rememberMe":"yes"})") ==
          "[body.rememberMe] Invalid input: expected boolean, received string");
    CHECK(Validate(R"({"name":"n","email":"a@b.co","password":"pw","image":5.5})") ==
          "[body.image] Invalid input: expected string, received number");
    CHECK(Validate(R"({"name":null,"email":[],"password":{},"rememberMe":1})") ==
          "[body.name] Invalid input: expected string, received null; "
          "[body.email] Invalid input: expected string, received array; "
          "[body.password] Invalid input: expected string, received object; "
          "[body.rememberMe] Invalid input: expected boolean, received number");
  }

  TEST_CASE("ValidateFields: non-empty strings") {
    const std::vector<FieldSpec> fields = {{"password", FieldType::kString, true, true}};
    CHECK(ValidateFields(Body(nlohmann::json{{"password", "x"}}), fields) == std::nullopt);
    auto empty = ValidateFields(Body(nlohmann::json{{"password", ""}}), fields);
    REQUIRE(empty);
    CHECK(empty->message == "[body.password] Too small: expected string to have >=1 characters");
  }

  TEST_CASE("ValidateFields: a record schema adds zod's second issue") {
    auto error = ValidateFields(Body(nlohmann::json::array()), SignUpFields(), true);
    REQUIRE(error);
    CHECK(error->message ==
          "[body] Invalid input: expected object, received array; "
          "[body] Invalid input: expected record, received array");
    auto none = ValidateFields(Body(), SignUpFields(), true);
    REQUIRE(none);
    CHECK(none->message ==
          "[body] Invalid input: expected object, received undefined; "
          "[body] Invalid input: expected record, received undefined");
  }

  TEST_CASE("ValidateFields: the body itself") {
    CHECK(Validate("[]") == "[body] Invalid input: expected object, received array");
    CHECK(Validate("\"x\"") == "[body] Invalid input: expected object, received string");
    CHECK(Validate("null") == "[body] Invalid input: expected object, received null");
    CHECK(Validate("5") == "[body] Invalid input: expected object, received number");
    CHECK(Validate("true") == "[body] Invalid input: expected object, received boolean");
    CHECK(Validate("undefined") == "[body] Invalid input: expected object, received undefined");
    const WireError wire =
        ToWire(*ValidateFields(Body(nlohmann::json::array()), SignUpFields()));
    CHECK(wire.status == 400);
    CHECK(wire.body ==
          R"({"message":"[body] Invalid input: expected object, received array",)"
          R"("code":"VALIDATION_ERROR"})");
  }
}

}  // namespace issuer::server
