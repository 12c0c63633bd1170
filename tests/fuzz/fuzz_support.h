#pragma once

// Shared by the libFuzzer targets in tests/fuzz. Each target is one file with
// LLVMFuzzerTestOneInput; this gives them a property check that stops the fuzzer with a report,
// and initialises libsodium once (LLVMFuzzerInitialize, in fuzz_support.cc).

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

// Stops the run (libFuzzer saves the input as a crash) when a property of the code under test
// does not hold.
#define FUZZ_CHECK(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) ::issuer::fuzz::Fail(__FILE__, __LINE__, "property failed: " #cond, ""); \
  } while (0)

// Runs `body`; an exception escaping it is a finding (the server would turn it into a 500).
#define FUZZ_NO_THROW(body)                                                               \
  do {                                                                                    \
    try {                                                                                 \
      body;                                                                               \
    } catch (const std::exception& e) {                                                   \
      ::issuer::fuzz::Fail(__FILE__, __LINE__, "exception escaped: ", e.what());          \
    } catch (...) {                                                                       \
      ::issuer::fuzz::Fail(__FILE__, __LINE__, "non-standard exception escaped", "");     \
    }                                                                                     \
  } while (0)

namespace issuer::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* what, const char* detail) {
  std::fprintf(stderr, "%s:%d: %s%s\n", file, line, what, detail);
  std::abort();
}

inline std::string_view AsText(const unsigned char* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace issuer::fuzz
