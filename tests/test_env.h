// Test environment facts shared by the suites.
#ifndef EDGEBERT_TESTS_TEST_ENV_H_
#define EDGEBERT_TESTS_TEST_ENV_H_

#include <cstddef>
#include <cstdlib>

namespace edgebert::testing {

// True under qemu-user (ports/qemu-run.sh sets EDGEBERT_EMULATED=1 for the
// guest). Emulation is 20-100x slower, so suites cap the row count m of their
// largest GEMM shapes: every k / n blocking path and every target is still
// exercised, only with fewer rows.
inline bool Emulated() {
  const char* v = std::getenv("EDGEBERT_EMULATED");
  return v != nullptr && v[0] == '1';
}
inline size_t CapRowsWhenEmulated(size_t m) {
  constexpr size_t kEmulatedMaxRows = 16;
  return Emulated() && m > kEmulatedMaxRows ? kEmulatedMaxRows : m;
}

}  // namespace edgebert::testing

#endif  // EDGEBERT_TESTS_TEST_ENV_H_
