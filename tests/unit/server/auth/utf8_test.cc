#include "server/auth/utf8.h"

#include <doctest/doctest.h>

#include <string>

namespace issuer::server::auth {
namespace {

TEST_SUITE("auth.utf8") {
  TEST_CASE("IsValidUtf8 accepts well-formed text") {
    CHECK(IsValidUtf8(""));
    CHECK(IsValidUtf8("plain ascii"));
    CHECK(IsValidUtf8(std::string("nul\0inside", 10)));
    CHECK(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
    CHECK(IsValidUtf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF
    CHECK(IsValidUtf8("\xED\x9F\xBF"));                          // U+D7FF
  }

  TEST_CASE("IsValidUtf8 rejects ill-formed text") {
    CHECK_FALSE(IsValidUtf8("\x80"));              // lone continuation
    CHECK_FALSE(IsValidUtf8("\xC3"));              // truncated
    CHECK_FALSE(IsValidUtf8("\xC0\x80"));          // overlong NUL
    CHECK_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong '/'
    CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
    CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
    CHECK_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
    CHECK_FALSE(IsValidUtf8("\xFF"));
    CHECK_FALSE(IsValidUtf8("ok\xE2\x82"));
  }

  // Expected strings derived with Node 20: new TextDecoder().decode(bytes) re-encoded as UTF-8.
  TEST_CASE("ReplaceInvalidUtf8 replaces maximal subparts like TextDecoder") {
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(ReplaceInvalidUtf8("caf\xC3\xA9") == "caf\xC3\xA9");
    CHECK(ReplaceInvalidUtf8(std::string("a\xFF") + "b") == "a" + fffd + "b");
    CHECK(ReplaceInvalidUtf8("\xC3") == fffd);
    CHECK(ReplaceInvalidUtf8("\xE2\x82") == fffd);
    CHECK(ReplaceInvalidUtf8("\xED\xA0\x80") == fffd + fffd + fffd);
    CHECK(ReplaceInvalidUtf8("\xC0\x80") == fffd + fffd);
    CHECK(ReplaceInvalidUtf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);
    CHECK(ReplaceInvalidUtf8("\xE2\x82\xE2\x82\xAC") == fffd + "\xE2\x82\xAC");
    CHECK(ReplaceInvalidUtf8("\xEF\xBB\xBFx") == "\xEF\xBB\xBFx");  // BOM kept
  }
}

}  // namespace
}  // namespace issuer::server::auth
