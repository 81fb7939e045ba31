// Highway f32 GEMM for targets without XNNPACK:
//   y[M, N] = x[M, K] * W[N, K]^T + b[N]   (nn.Linear layout, row-major).
//
// Packing: W is split into panels of `panel_width()` = 2 vectors of the
// dispatched target (e.g. 32 floats on AVX-512, 8 on NEON). Panel p stores,
// for kk = 0..K-1, the NR floats W[p*NR + j, kk] (j = 0..NR-1) contiguously;
// columns beyond N are zero. The bias is padded to the same width. The panel
// width is fixed at Pack(); Run() must execute on the same Highway target
// (always true outside tests that switch targets; checked with EB_CHECK).
//
// Run(): register-blocked micro-kernel of MR rows x 2 vectors (MR = 8 on
// targets with 32 vector registers, 6 otherwise) with MulAdd, bias fused into
// the accumulator init; K is split into blocks of 8192 / NR floats (y holds
// the partial sums between blocks). Work is split into tiles (panel x up to
// 8 MR rows) distributed with ParallelFor; `pool` may be null
// (single thread). Run() does not allocate and may run concurrently on
// distinct outputs.
#ifndef EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_H_
#define EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_H_

#include <cstddef>

#include <hwy/aligned_allocator.h>

#include "runtime/base/thread_pool.h"

namespace edgebert::kernels {

class GemmF32Hwy {
 public:
  // Packs weight[n, k] and bias[n] (bias may be null = zeros). Returns false
  // if the allocation fails. k, n >= 1.
  bool Pack(const float* weight, const float* bias, size_t k, size_t n);
  // x: m rows of stride k; y: m rows of stride n. x and y must not overlap.
  void Run(const float* x, size_t m, float* y, ThreadPool* pool) const;

  size_t k() const { return k_; }
  size_t n() const { return n_; }
  size_t panel_width() const { return nr_; }
  size_t packed_bytes() const { return packed_floats_ * sizeof(float); }

 private:
  size_t k_ = 0, n_ = 0, nr_ = 0, packed_floats_ = 0;
  hwy::AlignedFreeUniquePtr<float[]> packed_;  // panels, then padded bias.
};

// Panel width of the currently dispatched target (floats).
size_t GemmF32HwyPanelWidth();

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_H_
