// The username plugin's parts that need no server: its options and Better Auth's
// validateUsernameValue and normalizer.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "server/plugins/username/options.h"

namespace issuer::server::username {
namespace {

using nlohmann::json;

UsernameOptions Parsed(const json& options) {
  auto parsed = ParseUsernameOptions(options);
  REQUIRE(parsed.ok());
  return *parsed;
}

std::string ErrorOf(const json& options) {
  auto parsed = ParseUsernameOptions(options);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message;
}

TEST_CASE("username options: Better Auth's defaults, and 0 keeps them") {
  const UsernameOptions defaults = Parsed(json::object());
  CHECK(defaults.min_length == 3);
  CHECK(defaults.max_length == 30);
  CHECK(defaults.lowercase);
  CHECK(defaults.display_username);
  CHECK_FALSE(defaults.immutable);
  const UsernameOptions zero = Parsed({{"minUsernameLength", 0}, {"maxUsernameLength", 0}});
  CHECK(zero.min_length == 3);
  CHECK(zero.max_length == 30);
  const UsernameOptions set = Parsed({{"minUsernameLength", 5},
                                      {"maxUsernameLength", 9},
                                      {"usernameNormalization", false},
                                      {"displayUsername", false},
                                      {"immutableUsername", true},
                                      {"validationOrder", {{"username", "post-normalization"}}}});
  CHECK(set.min_length == 5);
  CHECK(set.max_length == 9);
  CHECK_FALSE(set.lowercase);
  CHECK_FALSE(set.display_username);
  CHECK(set.immutable);
  CHECK(set.validate_normalized);
}

TEST_CASE("username options: unknown names and wrong types are refused by name") {
  CHECK(ErrorOf({{"usernameValidator", "x"}}).find("usernameValidator") != std::string::npos);
  CHECK(ErrorOf({{"minUsernameLength", "3"}}).find("minUsernameLength") != std::string::npos);
  CHECK(ErrorOf({{"maxUsernameLength", -1}}).find("maxUsernameLength") != std::string::npos);
  CHECK(ErrorOf({{"usernameNormalization", true}}).find("usernameNormalization") !=
        std::string::npos);
  CHECK(ErrorOf({{"validationOrder", {{"username", "later"}}}}).find("validationOrder.username") !=
        std::string::npos);
  CHECK(ErrorOf({{"validationOrder", {{"email", "pre-normalization"}}}})
            .find("validationOrder.email") != std::string::npos);
  CHECK(ErrorOf(json::array()).find("plugins.username") != std::string::npos);
}

TEST_CASE("username validation: lengths, then the default validator") {
  const UsernameOptions o = Parsed(json::object());
  CHECK_FALSE(ValidationError(o, "abc").has_value());
  CHECK_FALSE(ValidationError(o, "A.b_9").has_value());
  CHECK_FALSE(ValidationError(o, std::string(30, 'x')).has_value());
  CHECK(ValidationError(o, "ab") == "USERNAME_TOO_SHORT");
  CHECK(ValidationError(o, "") == "USERNAME_TOO_SHORT");
  CHECK(ValidationError(o, std::string(31, 'x')) == "USERNAME_TOO_LONG");
  CHECK(ValidationError(o, "a b c") == "INVALID_USERNAME");
  CHECK(ValidationError(o, "a-b-c") == "INVALID_USERNAME");
  // Lengths count UTF-16 units, as JavaScript does: "éé" is 2 long, so too short.
  CHECK(ValidationError(o, "\xC3\xA9\xC3\xA9") == "USERNAME_TOO_SHORT");
  CHECK(ValidationError(o, "\xC3\xA9\xC3\xA9\xC3\xA9") == "INVALID_USERNAME");
}

TEST_CASE("username normalizer: lowercase unless usernameNormalization is false") {
  CHECK(Normalize(Parsed(json::object()), "Alice_1") == "alice_1");
  CHECK(Normalize(Parsed({{"usernameNormalization", false}}), "Alice_1") == "Alice_1");
  CHECK(MessageOf("USERNAME_IS_ALREADY_TAKEN") == "Username is already taken. Please try another.");
}

}  // namespace
}  // namespace issuer::server::username
