#include "server/auth/form.h"

#include <doctest/doctest.h>

#include <string>

namespace issuer::server::auth {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

FormFields Parse(std::string_view body) {
  const std::optional<FormFields> fields = ParseFormUrlEncoded(body);
  REQUIRE(fields.has_value());
  return *fields;
}

// Expected pairs from Node 20: [...new URLSearchParams(body)].
TEST_SUITE("auth.form") {
  TEST_CASE("typical sign-in body") {
    CHECK(Parse("email=a%40b.co&password=x+y") ==
          FormFields{{"email", "a@b.co"}, {"password", "x y"}});
  }

  TEST_CASE("empty pieces, missing '=' and extra '='") {
    CHECK(Parse("").empty());
    CHECK(Parse("&&&").empty());
    CHECK(Parse("a=1&&b=2&") == FormFields{{"a", "1"}, {"b", "2"}});
    CHECK(Parse("=v") == FormFields{{"", "v"}});
    CHECK(Parse("k=") == FormFields{{"k", ""}});
    CHECK(Parse("k") == FormFields{{"k", ""}});
    CHECK(Parse("k==v") == FormFields{{"k", "=v"}});
    CHECK(Parse("a=b=c") == FormFields{{"a", "b=c"}});
  }

  TEST_CASE("'+' and percent escapes in names and values") {
    CHECK(Parse("a+b=c+d") == FormFields{{"a b", "c d"}});
    CHECK(Parse("%61=%62") == FormFields{{"a", "b"}});
    CHECK(Parse("a=%2B") == FormFields{{"a", "+"}});
    CHECK(Parse("k=%25") == FormFields{{"k", "%"}});
    CHECK(Parse("a=%E2%82%AC") == FormFields{{"a", "\xE2\x82\xAC"}});
    CHECK(Parse("a=%e2%82%ac") == FormFields{{"a", "\xE2\x82\xAC"}});
    CHECK(Parse("a=%F0%9F%98%80") == FormFields{{"a", "\xF0\x9F\x98\x80"}});
  }

  TEST_CASE("bad percent escapes stay literal") {
    CHECK(Parse("a=%zz&b=%4") == FormFields{{"a", "%zz"}, {"b", "%4"}});
    CHECK(Parse("a=%%41") == FormFields{{"a", "%A"}});
    CHECK(Parse("a=%") == FormFields{{"a", "%"}});
  }

  TEST_CASE("invalid UTF-8 becomes U+FFFD per maximal subpart") {
    CHECK(Parse("a=%FF") == FormFields{{"a", kFffd}});
    CHECK(Parse("a=%C3") == FormFields{{"a", kFffd}});
    CHECK(Parse("a=%E2%82") == FormFields{{"a", kFffd}});
    CHECK(Parse("a=%ED%A0%80") == FormFields{{"a", kFffd + kFffd + kFffd}});
    CHECK(Parse("a=%C0%80") == FormFields{{"a", kFffd + kFffd}});
    CHECK(Parse("a=%F4%90%80%80") == FormFields{{"a", kFffd + kFffd + kFffd + kFffd}});
    CHECK(Parse("a=%E2%82%E2%82%AC") == FormFields{{"a", kFffd + "\xE2\x82\xAC"}});
    CHECK(Parse(std::string("a=\xFF") + "b") == FormFields{{"a", kFffd + "b"}});  // raw byte
  }

  TEST_CASE("duplicates keep order") {
    CHECK(Parse("a=1&a=2") == FormFields{{"a", "1"}, {"a", "2"}});
  }
}

}  // namespace
}  // namespace issuer::server::auth
