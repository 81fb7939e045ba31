// A non-OK edgebert::Status as a C++ exception, translated by the module
// into the Python exception class of its code (module.cc).
#ifndef EDGEBERT_RUNTIME_PYTHON_SRC_STATUS_ERROR_H_
#define EDGEBERT_RUNTIME_PYTHON_SRC_STATUS_ERROR_H_

#include <stdexcept>
#include <string>
#include <utility>

#include "runtime/base/status.h"

namespace edgebert::python {

class StatusError : public std::runtime_error {
 public:
  explicit StatusError(const Status& s)
      : std::runtime_error(s.message()), code_(s.code()) {}
  StatusCode code() const { return code_; }

 private:
  StatusCode code_;
};

// Throws StatusError unless s is OK. Call with the GIL held.
inline void ThrowIfError(const Status& s) {
  if (!s.ok()) throw StatusError(s);
}

// The value of r, or throws StatusError.
template <typename T>
T ValueOrThrow(StatusOr<T> r) {
  if (!r.ok()) throw StatusError(r.status());
  return std::move(r).value();
}

}  // namespace edgebert::python

#endif  // EDGEBERT_RUNTIME_PYTHON_SRC_STATUS_ERROR_H_
