// Status codes returned across the public API. No exceptions cross the API:
// every fallible call returns Status or StatusOr<T>, and the message names the
// offending value and the rule it broke.
#ifndef EDGEBERT_RUNTIME_BASE_STATUS_H_
#define EDGEBERT_RUNTIME_BASE_STATUS_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace edgebert {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad caller input (flag, text, option).
  kNotFound,            // missing file or tensor.
  kDataLoss,            // corrupt / truncated / checksum mismatch.
  kFailedPrecondition,  // model inconsistent with its own config.
  kUnimplemented,       // valid but unsupported (dtype, architecture).
  kResourceExhausted,   // allocation failed, input longer than planned.
  kInternal,            // a backend (XNNPACK, OS) failed.
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<CODE>: <message>", for logs and CLI errors.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFound(std::string m) {
  return Status(StatusCode::kNotFound, std::move(m));
}
inline Status DataLoss(std::string m) {
  return Status(StatusCode::kDataLoss, std::move(m));
}
inline Status FailedPrecondition(std::string m) {
  return Status(StatusCode::kFailedPrecondition, std::move(m));
}
inline Status Unimplemented(std::string m) {
  return Status(StatusCode::kUnimplemented, std::move(m));
}
inline Status ResourceExhausted(std::string m) {
  return Status(StatusCode::kResourceExhausted, std::move(m));
}
inline Status Internal(std::string m) {
  return Status(StatusCode::kInternal, std::move(m));
}

// Holds either a value or a non-OK status. T must be movable.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Internal("StatusOr built from an OK status");
  }
  StatusOr(T value) : value_(std::move(value)), has_value_(true) {}  // NOLINT

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() & { return value_; }

 private:
  Status status_;
  T value_{};
  bool has_value_ = false;
};

}  // namespace edgebert

#define EB_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::edgebert::Status eb_status_ = (expr);  \
    if (!eb_status_.ok()) return eb_status_; \
  } while (0)

// Internal invariant: aborts with file:line. Never used for input validation.
#define EB_CHECK(cond)                                                      \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

#endif  // EDGEBERT_RUNTIME_BASE_STATUS_H_
