// Result types: how a fallible operation reports what went wrong.
//
// Errors carry a message a responder can act on at 3 a.m. and a kind that
// decides the exit code (see exit_code.h). Exceptions are used only at the
// edges (YAML parser, CLI), never across module boundaries.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace responder {

enum class ErrorKind {
  failed,       // the operation was attempted and did not succeed (exit 1)
  bad_input,    // the input is wrong; nothing was changed (exit 2)
  refused,      // a safety rule or missing approval stopped it (exit 3)
  interrupted,  // stopped by a signal or deadline; resumable (exit 4)
};

struct Error {
  ErrorKind kind = ErrorKind::failed;
  std::string message;
};

inline Error failure(std::string message) { return {ErrorKind::failed, std::move(message)}; }
inline Error bad_input(std::string message) { return {ErrorKind::bad_input, std::move(message)}; }
inline Error refusal(std::string message) { return {ErrorKind::refused, std::move(message)}; }
inline Error interruption(std::string message) { return {ErrorKind::interrupted, std::move(message)}; }

// The kind as journal records and the step protocol spell it.
inline std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::failed: return "failed";
    case ErrorKind::bad_input: return "bad_input";
    case ErrorKind::refused: return "refused";
    case ErrorKind::interrupted: return "interrupted";
  }
  return "failed";
}

// Either a T or an Error. Accessing the wrong alternative is a programming
// error and throws std::bad_variant_access.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  static Status success() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace responder
