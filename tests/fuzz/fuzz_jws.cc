// Compact JWS (keys/jws.h): VerifyCompactJws on arbitrary text, and sign-then-verify round
// trips. The key is RFC 8037 Appendix A's, so the RFC's example token is a seed.
// Input: a header choice, a kid or header text, a position byte, then the payload / token.
//
// Properties:
//   - VerifyCompactJws accepts a token only if signing its decoded header and payload with the
//     key gives the very same text (Ed25519 is deterministic and the encoding canonical): no
//     garbage signature, no second spelling, no alg other than "EdDSA", no "crit";
//   - a failure is kInvalidArgument (malformed) or kUnauthenticated (bad signature);
//   - a signed token is three base64url segments with no padding; with Better Auth's header
//     {"alg":"EdDSA","kid":…} it verifies and gives back header and payload exactly; with any
//     other header it verifies or fails as malformed, never as a bad signature;
//   - changing one character of a signed token makes it fail.
#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>
#include <string>

#include "keys/encoding.h"
#include "keys/jws.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using issuer::Errc;
using namespace issuer::keys;

constexpr char kRfc8037SeedHex[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kTokenAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

const SigningKey& Key() {
  static const SigningKey key = [] {
    auto made = SigningKey::FromSeed(*HexDecode(kRfc8037SeedHex));
    if (!made.ok()) issuer::fuzz::Fail(__FILE__, __LINE__, "bad RFC 8037 seed", "");
    return std::move(*made);
  }();
  return key;
}

// Verifies and checks the acceptance property; returns the result.
issuer::Result<VerifiedJws> CheckVerify(std::string_view token) {
  auto verified = VerifyCompactJws(token, Key().public_key());
  if (!verified.ok()) {
    const Errc code = verified.error().code;
    FUZZ_CHECK(code == Errc::kInvalidArgument || code == Errc::kUnauthenticated);
    return verified;
  }
  FUZZ_CHECK(SignCompactJws(verified->header_json, verified->payload_json, Key()) == token);
  const auto header = nlohmann::json::parse(verified->header_json);
  const auto alg = header.find("alg");
  FUZZ_CHECK(header.is_object() && alg != header.end() && *alg == "EdDSA");
  FUZZ_CHECK(!header.contains("crit"));
  return verified;
}

void CheckRoundTrip(const std::string& header, const std::string& payload, bool better_auth_header,
                    unsigned char position) {
  const std::string token = SignCompactJws(header, payload, Key());
  FUZZ_CHECK(std::count(token.begin(), token.end(), '.') == 2);
  FUZZ_CHECK(token.find_first_not_of(kTokenAlphabet) == std::string::npos);
  auto verified = CheckVerify(token);
  if (verified.ok()) {
    FUZZ_CHECK(verified->header_json == header && verified->payload_json == payload);
  } else {
    FUZZ_CHECK(!better_auth_header && verified.error().code == Errc::kInvalidArgument);
  }
  std::string tampered = token;
  char& c = tampered[position % tampered.size()];
  c = kTokenAlphabet[(std::string_view(kTokenAlphabet).find(c) + 1) % (sizeof kTokenAlphabet - 1)];
  FUZZ_CHECK(!CheckVerify(tampered).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const bool better_auth_header = input.ConsumeBool();
  const std::string kid_or_header = input.ConsumeRandomLengthString(128);
  const unsigned char position = input.ConsumeIntegral<unsigned char>();
  const std::string rest = input.ConsumeRemainingBytesAsString();
  const std::string header =
      better_auth_header
          ? nlohmann::ordered_json{{"alg", "EdDSA"}, {"kid", kid_or_header}}.dump(
                -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
          : kid_or_header;
  FUZZ_NO_THROW(static_cast<void>(CheckVerify(rest)));
  FUZZ_NO_THROW(CheckRoundTrip(header, rest, better_auth_header, position));
  return 0;
}
