// Cookie header -> session token, as ReadCredential does it: FindCookie picks the first
// better-auth.session_token (plain or __Secure-), VerifySignedValue checks its HMAC.
// Input: the raw header value as cpp-httplib hands it over (bytes of any kind).
//
// Properties:
//   - a found value is a substring of the header and holds no ';' (one pair, never two);
//   - the first occurrence wins: appending another pair with the name never changes a found
//     value, and when none was found the appended one is;
//   - the session check accepts a value only if it is exactly the server's own signature of
//     the token it returns (no forgery, no second spelling).
#include <sodium.h>

#include <string>

#include "server/auth/signed_value.h"
#include "server/http/cookies.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

// The secret of the Better Auth signed-cookie fixture (security notes §2.4), so the seed
// corpus holds a cookie that verifies.
constexpr char kSecret[] = "better-auth-secret-123456789012345678901234567890";

void CheckCookie(std::string_view header, const std::string& name) {
  using issuer::server::FindCookie;
  const std::optional<std::string> value = FindCookie(header, name);
  const std::string appended = std::string(header) + ";" + name + "=appended";
  if (!value) {
    FUZZ_CHECK(FindCookie(appended, name) == std::optional<std::string>("appended"));
    return;
  }
  FUZZ_CHECK(value->find(';') == std::string::npos);
  FUZZ_CHECK(header.find(*value) != std::string_view::npos);
  FUZZ_CHECK(FindCookie(appended, name) == value);

  const std::optional<std::string> token = issuer::server::auth::VerifySignedValue(*value, kSecret);
  if (token) FUZZ_CHECK(issuer::server::auth::SignValue(*token, kSecret) == *value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const std::string_view header = issuer::fuzz::AsText(data, size);
  for (bool secure : {false, true}) {
    CheckCookie(header, issuer::server::CookieName("session_token", secure));
  }
  CheckCookie(header, issuer::server::CookieName("dont_remember", false));
  return 0;
}
