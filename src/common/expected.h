// expected.h — expected failures as values (see STYLE.md "Errors").
// An Expected<T> holds either a T or an Error. Nothing in the core throws for bad input,
// a missing handler or a busy database: such failures come back as an Error whose
// message names the field, path or key that was wrong.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace selfheal {

enum class Errc {
  kInvalidInput,  // the caller's data is wrong; a retry cannot help (HTTP 400)
  kNotFound,      // the thing asked for does not exist
  kConflict,      // the thing exists already (e.g. a unit of that name is active)
  kUnavailable,   // a dependency is briefly unavailable; a retry may help (HTTP 503)
  kTimedOut,      // a dependency did not answer in time: what it did is unknown (HTTP 503)
  kInternal,      // a bug or an environment we cannot work in
};

struct Error {
  Errc code;
  std::string message;
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<Error>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

using Status = Expected<std::monostate>;
inline Status Ok() { return Status(std::monostate{}); }

}  // namespace selfheal
