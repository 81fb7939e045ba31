// Highway f32 GEMM:
//   y[M, N] = x[M, K] * W[N, K]^T + b[N]   (nn.Linear layout, row-major).
//
// Weights are in layout F32PackedN16 (gemm_f32_hwy_layout.h: panels of 16
// output channels), either packed here from row-major (Pack) or used in
// place, e.g. from a model file mapping (Wrap). The layout does not depend
// on the dispatched target; the bias is copied, zero-padded.
//
// Run(): register-blocked micro-kernel of MR rows x 2 vectors (AVX-512:
// 2 x 16 columns = two panels, MR = 8; AVX2: 2 x 8, MR = 6; NEON: 2 x 4,
// MR = 8), MulAdd with the bias as the accumulators' initial value;
// K is split into blocks of 8192 / (2 vectors) floats (y holds the partial
// sums between blocks). Every output is bias + sum over k in increasing
// order of fused multiply-adds, so targets with FMA give identical results.
// Work is split into tiles (column block x up to 8 MR rows) distributed
// with ParallelFor; `pool` may be null (single thread). Run() does not
// allocate and may run concurrently on distinct outputs.
#ifndef EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_H_
#define EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_H_

#include <cstddef>

#include <hwy/aligned_allocator.h>

#include "runtime/base/thread_pool.h"

namespace edgebert::kernels {

class GemmF32Hwy {
 public:
  // Packs weight[n, k] (row-major) and bias[n] (may be null = zeros) into
  // owned buffers. Returns false if an allocation fails. k, n >= 1.
  bool Pack(const float* weight, const float* bias, size_t k, size_t n);
  // Uses `packed` (F32PackedFloats(n, k) floats in layout F32PackedN16, at
  // least 4-byte aligned) in place: it must outlive this object. Copies the
  // bias. Returns false if that allocation fails. k, n >= 1.
  bool Wrap(const float* packed, const float* bias, size_t k, size_t n);
  // x: m rows of stride k; y: m rows of stride n. x and y must not overlap.
  void Run(const float* x, size_t m, float* y, ThreadPool* pool) const;

  size_t k() const { return k_; }
  size_t n() const { return n_; }
  // Bytes this object owns (packed weights unless wrapped, and the bias).
  size_t owned_bytes() const { return owned_floats_ * sizeof(float); }

 private:
  bool SetBias(const float* bias);
  size_t k_ = 0, n_ = 0, owned_floats_ = 0;
  const float* weights_ = nullptr;            // layout F32PackedN16
  hwy::AlignedFreeUniquePtr<float[]> owned_;  // packed weights (Pack only)
  hwy::AlignedFreeUniquePtr<float[]> bias_;   // zero-padded to kBiasAlign
};

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_H_
