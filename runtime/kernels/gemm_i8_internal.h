// State of the int8 GEMM shared by gemm_i8.cc and its test hooks
// (gemm_i8_testing.cc, built only into the test library edgebert_kernels_ref).
// Not part of the kernels' API.
#ifndef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_INTERNAL_H_
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_INTERNAL_H_

#include <atomic>

namespace edgebert::kernels::gemm_i8_detail {

// When true, NEON uses the non-dotprod micro-kernel even on CPUs with the dot
// product extension. False unless a test sets it.
inline std::atomic<bool>& DisableDotProd() {
  static std::atomic<bool> disable{false};
  return disable;
}

// Receives a value from every GemmI8TileLoop so that its work is not
// optimized away.
inline std::atomic<int32_t>& TileLoopSink() {
  static std::atomic<int32_t> sink{0};
  return sink;
}

}  // namespace edgebert::kernels::gemm_i8_detail

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_INTERNAL_H_
