#pragma once

#include <string>
#include <utility>
#include <variant>

namespace issuer {

// Broad error classes. Modules below server/ only ever return these; server/ maps them (or
// its own, finer wire codes) to HTTP.
enum class Errc {
  kInvalidArgument,  // malformed input: bad encoding, wrong length, unparsable JSON
  kNotFound,         // the thing asked for does not exist
  kUnauthenticated,  // a signature, tag or password did not verify
  kConflict,         // a uniqueness rule was broken (e.g. email already taken)
  kUnavailable,      // a transient condition: database busy or locked, disk full
  kInternal,         // a bug or an unexpected library failure
};

struct Error {
  Errc code;
  std::string message;
};

// A value or an Error. Shaped like std::expected so C++23 is a rename.
//   Result<int> r = Parse(s);
//   if (!r.ok()) return r.error();
//   Use(*r);
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // REQUIRES: !ok()
  const Error& error() const { return error_; }

 private:
  Error error_{Errc::kInternal, ""};
  bool ok_ = true;
};

}  // namespace issuer
