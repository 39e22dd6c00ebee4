#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "kube/error.h"

namespace kube {

// A value or an Error (C++20 has no std::expected). Errors from the outside world travel as
// values; exceptions from third-party libraries are converted at the boundary.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

// For a read or a delete where "it is not there" is an answer rather than a failure (a
// Secret the user has not created yet, an object someone else deleted first): a NotFound
// becomes an empty value, the value passes through, and any other error is kept unchanged.
//
//   auto secret = ignoreNotFound(api.get(name));  // Result<std::optional<Object>>
//   if (!secret) return secret.error();            // a real failure
//   if (!*secret) ...                              // absent
//
// A 404 for the whole resource type (a CRD that is not installed) is a NotFound too and is
// ignored alike; a caller that must tell the two apart tests the error itself.
template <class T>
Result<std::optional<T>> ignoreNotFound(Result<T> result) {
  if (result.ok()) return std::optional<T>(std::move(result).value());
  if (result.error().is(ErrorKind::NotFound)) return std::optional<T>();
  return result.error();
}

// The same for requests without a value (Api::remove): true when the object was there and the
// request succeeded, false when it was not there.
inline Result<bool> ignoreNotFound(Result<void> result) {
  if (result.ok()) return true;
  if (result.error().is(ErrorKind::NotFound)) return false;
  return result.error();
}

}  // namespace kube
