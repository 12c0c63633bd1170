#include "tests/fuzz/fuzz_support.h"

#include <sodium.h>

// libFuzzer calls this once before the first input: guarded memory (SecureBuffer) and the
// crypto primitives need sodium_init().
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (sodium_init() < 0) issuer::fuzz::Fail(__FILE__, __LINE__, "sodium_init failed", "");
  return 0;
}
