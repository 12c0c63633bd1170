// Request bodies as sign-up and sign-in read them: ParseBody by Content-Type, then zod-style
// ValidateFields with the endpoints' own schemas.
// Input: a choice of Content-Type (or a fuzzed one), the endpoint, then the body bytes.
//
// Properties:
//   - nothing throws out of parsing, validation or the error body;
//   - a refusal is a 4xx with a JSON {"message", ...} body: 415 exactly when the media type is
//     not one the endpoint takes, 400 otherwise;
//   - a parsed body serialises as strict JSON (every string valid UTF-8), and a form body is an
//     object of strings;
//   - a body that passes validation has each required field with its type, a valid email and,
//     for sign-up, a non-empty password; a body that fails gets a VALIDATION_ERROR naming body.
#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>
#include <string>

#include "server/auth/email.h"
#include "server/http/api_error.h"
#include "server/http/request_body.h"
#include "server/session/login_checks.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using issuer::server::ApiCode;
using issuer::server::ApiError;
using issuer::server::Body;
using issuer::server::FieldSpec;
using issuer::server::FieldType;
using nlohmann::json;

constexpr const char* kContentTypes[] = {
    "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded",
    " Application/JSON ;x=y", "text/plain"};

void CheckRefusal(const ApiError& error, int expected_status) {
  const issuer::server::WireError wire = issuer::server::ToWire(error);
  FUZZ_CHECK(wire.status == expected_status);
  const json body = json::parse(wire.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(body.is_object() && body.contains("message") && body["message"].is_string());
}

bool FieldHolds(const json& body, const FieldSpec& field) {
  auto it = body.find(field.name);
  if (it == body.end()) return !field.required;
  if (field.type == FieldType::kBoolean) return it->is_boolean();
  if (!it->is_string()) return false;
  const std::string& text = it->get_ref<const std::string&>();
  if (field.type == FieldType::kEmail && !issuer::server::auth::IsValidEmail(text)) return false;
  return !(field.non_empty && text.empty());
}

void CheckValidation(const Body& body, bool sign_up) {
  const auto& fields = sign_up ? issuer::server::SignUpFields() : issuer::server::SignInFields();
  const std::optional<ApiError> error = ValidateFields(body, fields, sign_up);
  bool all_hold = body && body->is_object();
  for (const FieldSpec& field : fields) all_hold = all_hold && FieldHolds(*body, field);
  FUZZ_CHECK(all_hold == !error.has_value());
  if (!error) return;
  FUZZ_CHECK(error->code == ApiCode::kValidationError);
  FUZZ_CHECK(error->message.rfind("[body", 0) == 0);
  CheckRefusal(*error, 400);
}

void CheckRequest(const std::string& content_type, std::string body_text, bool sign_up) {
  issuer::server::HttpRequest request;
  request.method = "POST";
  request.headers.emplace("content-type", content_type);
  request.body = std::move(body_text);
  const bool allow_form = true;  // sign-up and sign-in both take forms
  const auto parsed = issuer::server::ParseBody(request, allow_form);
  const bool accepted = issuer::server::AcceptedMediaType(content_type, allow_form);
  if (const auto* error = std::get_if<ApiError>(&parsed)) {
    FUZZ_CHECK(error->code == (accepted ? ApiCode::kInvalidJson : ApiCode::kUnsupportedMediaType));
    CheckRefusal(*error, accepted ? 400 : 415);
    return;
  }
  FUZZ_CHECK(accepted);
  const Body& body = std::get<Body>(parsed);
  if (body) {
    const std::string dumped = body->dump();  // throws on a string that is not UTF-8
    FUZZ_CHECK(json::parse(dumped) == *body);
  }
  CheckValidation(body, sign_up);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const size_t kind = input.ConsumeIntegralInRange<size_t>(0, std::size(kContentTypes));
  const bool sign_up = input.ConsumeBool();
  const std::string content_type = kind < std::size(kContentTypes)
                                       ? std::string(kContentTypes[kind])
                                       : input.ConsumeRandomLengthString(64);
  std::string body = input.ConsumeRemainingBytesAsString();
  FUZZ_NO_THROW(CheckRequest(content_type, std::move(body), sign_up));
  return 0;
}
