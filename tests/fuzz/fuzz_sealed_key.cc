// Sealed private keys as stored in jwks.privateKey (keys/seal.h): a JSON string of hex, bare
// (single secret) or in the "$ba$<version>$" envelope (versioned secrets).
// Input: a position byte, then the stored text (also used as a plaintext to seal).
//
// Properties:
//   - UnsealPrivateKey never crashes; a failure is kInvalidArgument, kNotFound or
//     kUnauthenticated;
//   - what opens under the ring does not open under a ring with other secrets, and seals and
//     opens again to the same plaintext;
//   - any plaintext sealed under either ring opens to itself; changing one hex digit of the
//     sealed blob, or opening with another secret, is kUnauthenticated.
#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>
#include <string>

#include "keys/seal.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using issuer::Errc;
using issuer::keys::SecretRing;
using issuer::keys::SealPrivateKey;
using issuer::keys::UnsealPrivateKey;

// The seed corpus was sealed under these secrets.
const SecretRing kRing{"fuzz-secret-current", {{2, "fuzz-secret-v2"}, {1, "fuzz-secret-v1"}}};
const SecretRing kSingle{"fuzz-secret-current", {}};
const SecretRing kOtherRing{"fuzz-secret-other", {{2, "fuzz-secret-other-v2"}}};

// A reproducible nonce source.
void CountingRandom(unsigned char* out, size_t len) {
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(i * 7 + 1);
}

std::optional<std::string> Open(std::string_view stored, const SecretRing& ring) {
  auto opened = UnsealPrivateKey(stored, ring);
  if (!opened.ok()) {
    const Errc code = opened.error().code;
    FUZZ_CHECK(code == Errc::kInvalidArgument || code == Errc::kNotFound ||
               code == Errc::kUnauthenticated);
    return std::nullopt;
  }
  return std::string(opened->view());
}

std::optional<Errc> OpenError(std::string_view stored, const SecretRing& ring) {
  auto opened = UnsealPrivateKey(stored, ring);
  if (opened.ok()) return std::nullopt;
  return opened.error().code;
}

std::string Seal(std::string_view plaintext, const SecretRing& ring) {
  auto sealed = SealPrivateKey(plaintext, ring, CountingRandom);
  FUZZ_CHECK(sealed.ok());
  return *sealed;
}

// `stored` with the hex digit at `position` (mod the blob's length) changed to another value.
std::string ChangeHexDigit(const std::string& stored, size_t position) {
  std::string inner = nlohmann::json::parse(stored).get<std::string>();
  const size_t blob_start = inner.rfind('$') == std::string::npos ? 0 : inner.rfind('$') + 1;
  char& digit = inner[blob_start + position % (inner.size() - blob_start)];
  const char* const kHex = "0123456789abcdef";
  digit = kHex[(std::string_view(kHex).find(digit) + 1) % 16];
  return nlohmann::json(inner).dump();
}

void CheckStored(std::string_view stored) {
  const std::optional<std::string> plaintext = Open(stored, kRing);
  if (!plaintext) return;
  FUZZ_CHECK(!Open(stored, kOtherRing));
  FUZZ_CHECK(Open(Seal(*plaintext, kRing), kRing) == plaintext);
}

void CheckRoundTrip(const std::string& plaintext, size_t position) {
  for (const SecretRing* ring : {&kSingle, &kRing}) {
    const std::string sealed = Seal(plaintext, *ring);
    FUZZ_CHECK(Open(sealed, *ring) == plaintext);
    FUZZ_CHECK(OpenError(sealed, kOtherRing) == Errc::kUnauthenticated);
    FUZZ_CHECK(OpenError(ChangeHexDigit(sealed, position), *ring) == Errc::kUnauthenticated);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const size_t position = input.ConsumeIntegral<uint16_t>();
  const std::string text = input.ConsumeRemainingBytesAsString();
  FUZZ_NO_THROW(CheckStored(text));
  FUZZ_NO_THROW(CheckRoundTrip(text, position));
  return 0;
}
