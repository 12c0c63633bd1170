// better-call signed values (session cookies, the bearer plugin's token.sig) and the
// encodeURIComponent / decodeURIComponent pair around them.
// Input: one byte of options, then the text.
//
// Properties:
//   - VerifySignedValue accepts only the server's own signature of the value it returns: in
//     cookie mode exactly SignValue(value), in bearer mode one of its four spellings (standard
//     or URL-safe alphabet, with or without the '='); never under another secret;
//   - SignValue(text) verifies in both modes and gives `text` back (text non-empty);
//   - changing one character of a signature makes it fail;
//   - DecodeUriComponent gives valid UTF-8 or nothing; it inverts EncodeUriComponent exactly on
//     valid UTF-8, and EncodeUriComponent emits only unreserved characters and %XX.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "server/auth/signed_value.h"
#include "server/auth/utf8.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using issuer::server::auth::SignValue;
using issuer::server::auth::VerifySignedValue;

constexpr char kSecret[] = "better-auth-secret-123456789012345678901234567890";
constexpr char kOtherSecret[] = "better-auth-secret-123456789012345678901234567891";
constexpr size_t kSignatureChars = 44;

std::string UrlSafe(std::string s) {
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

// The spellings the bearer plugin accepts for SignValue(value): the signature in either
// alphabet, with or without its '='.
bool IsBearerSpelling(const std::string& text, const std::string& value) {
  const std::string sig = SignValue(value, kSecret).substr(value.size() + 1);
  const std::string unpadded = sig.substr(0, sig.size() - 1);
  for (const std::string& spelling : {sig, unpadded, UrlSafe(sig), UrlSafe(unpadded)}) {
    if (text == value + "." + spelling) return true;
  }
  return false;
}

// Verifies `text` in one mode and checks the acceptance property; returns whether accepted.
bool CheckVerify(const std::string& text, bool bearer) {
  const std::optional<std::string> value = VerifySignedValue(text, kSecret, bearer);
  if (!value) return false;
  FUZZ_CHECK(!value->empty());
  FUZZ_CHECK(bearer ? IsBearerSpelling(text, *value) : text == SignValue(*value, kSecret));
  FUZZ_CHECK(!VerifySignedValue(text, kOtherSecret, bearer));
  return true;
}

void CheckSignRoundTrip(const std::string& text, unsigned char position, unsigned char flip) {
  const std::string signed_value = SignValue(text, kSecret);
  FUZZ_CHECK(signed_value.size() == text.size() + 1 + kSignatureChars);
  for (bool bearer : {false, true}) {
    const std::optional<std::string> value = VerifySignedValue(signed_value, kSecret, bearer);
    FUZZ_CHECK(text.empty() ? !value : value == text);
  }
  if (text.empty() || flip == 0) return;
  std::string tampered = signed_value;
  tampered[signed_value.size() - kSignatureChars + position % kSignatureChars] ^= flip;
  FUZZ_CHECK(!CheckVerify(tampered, /*bearer=*/false));
  CheckVerify(tampered, /*bearer=*/true);
}

void CheckUriComponent(const std::string& text) {
  using issuer::server::auth::DecodeUriComponent;
  using issuer::server::auth::EncodeUriComponent;
  using issuer::server::auth::IsValidUtf8;
  const std::string encoded = EncodeUriComponent(text);
  FUZZ_CHECK(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789-_.!~*'()%") == std::string::npos);
  const std::optional<std::string> round = DecodeUriComponent(encoded);
  FUZZ_CHECK(IsValidUtf8(text) ? round == text : !round);
  if (!IsValidUtf8(text)) return;  // DecodeUriComponent REQUIRES valid UTF-8
  const std::optional<std::string> decoded = DecodeUriComponent(text);
  if (decoded) {
    FUZZ_CHECK(IsValidUtf8(*decoded));
    FUZZ_CHECK(DecodeUriComponent(EncodeUriComponent(*decoded)) == decoded);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const unsigned char position = input.ConsumeIntegral<unsigned char>();
  const unsigned char flip = input.ConsumeIntegral<unsigned char>();
  const std::string text = input.ConsumeRemainingBytesAsString();
  CheckVerify(text, /*bearer=*/false);
  CheckVerify(text, /*bearer=*/true);
  CheckSignRoundTrip(text, position, flip);
  CheckUriComponent(text);
  return 0;
}
