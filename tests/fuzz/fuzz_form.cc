// application/x-www-form-urlencoded bodies (ParseFormUrlEncoded, the WHATWG urlencoded parser).
// Input: the body bytes.
//
// Properties:
//   - it never fails, and gives one pair per non-empty '&'-separated piece;
//   - every name and value is valid UTF-8 (invalid bytes became U+FFFD), so the JSON object
//     ParseBody builds from them always serialises;
//   - serialising the pairs with encodeURIComponent and parsing again gives the same pairs.
#include <string>

#include <nlohmann/json.hpp>

#include "server/auth/form.h"
#include "server/auth/signed_value.h"
#include "server/auth/utf8.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using issuer::server::auth::FormFields;

size_t NonEmptyPieces(std::string_view body) {
  size_t count = 0;
  size_t start = 0;
  while (start <= body.size()) {
    const size_t amp = std::min(body.find('&', start), body.size());
    if (amp > start) ++count;
    start = amp + 1;
  }
  return count;
}

std::string Serialise(const FormFields& fields) {
  using issuer::server::auth::EncodeUriComponent;
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += EncodeUriComponent(name) + "=" + EncodeUriComponent(value);
  }
  return out;
}

void CheckForm(std::string_view body) {
  using issuer::server::auth::ParseFormUrlEncoded;
  const std::optional<FormFields> fields = ParseFormUrlEncoded(body);
  FUZZ_CHECK(fields.has_value());
  FUZZ_CHECK(fields->size() == NonEmptyPieces(body));
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : *fields) {
    FUZZ_CHECK(issuer::server::auth::IsValidUtf8(name));
    FUZZ_CHECK(issuer::server::auth::IsValidUtf8(value));
    object[name] = value;
  }
  object.dump();  // strict: throws on invalid UTF-8
  FUZZ_CHECK(ParseFormUrlEncoded(Serialise(*fields)) == fields);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  FUZZ_NO_THROW(CheckForm(issuer::fuzz::AsText(data, size)));
  return 0;
}
