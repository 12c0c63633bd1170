// JOSE base64url (RFC 4648 §5, no padding) and the hex used for sealed keys (keys/encoding.h).
// Input: any bytes, used both as text to decode and as bytes to encode.
//
// Properties:
//   - Base64UrlDecode accepts only the canonical spelling: what it accepts re-encodes to the
//     same text, which holds only [A-Za-z0-9_-] (no padding, '+', '/' or whitespace);
//   - Base64UrlDecode(Base64UrlEncode(x)) == x, and the encoding has the unpadded length;
//   - HexDecode accepts exactly even-length hex in either case and re-encodes to its lowercase;
//     HexDecode(HexEncode(x)) == x.
#include <string>

#include "common/text.h"
#include "keys/encoding.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace issuer::keys;

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void CheckBase64Url(std::string_view input) {
  auto decoded = Base64UrlDecode(input);
  if (decoded.ok()) {
    FUZZ_CHECK(Base64UrlEncode(*decoded) == input);
    FUZZ_CHECK(input.find_first_not_of(kBase64UrlAlphabet) == std::string_view::npos);
  } else {
    FUZZ_CHECK(decoded.error().code == issuer::Errc::kInvalidArgument);
  }
  const std::string encoded = Base64UrlEncode(input);
  FUZZ_CHECK(encoded.size() == (input.size() * 4 + 2) / 3);
  FUZZ_CHECK(encoded.find_first_not_of(kBase64UrlAlphabet) == std::string::npos);
  auto round = Base64UrlDecode(encoded);
  FUZZ_CHECK(round.ok() && *round == input);
}

void CheckHex(std::string_view input) {
  auto decoded = HexDecode(input);
  const bool is_hex = input.size() % 2 == 0 &&
                      input.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
  FUZZ_CHECK(decoded.ok() == is_hex);
  if (decoded.ok()) FUZZ_CHECK(HexEncode(*decoded) == issuer::Lowercase(input));
  auto round = HexDecode(HexEncode(input));
  FUZZ_CHECK(round.ok() && *round == input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const std::string_view input = issuer::fuzz::AsText(data, size);
  CheckBase64Url(input);
  CheckHex(input);
  return 0;
}
