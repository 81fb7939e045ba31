// Layout F32PackedN16 (schema Layout.F32PackedN16): an f32 GEMM weight
// W[N, K] (nn.Linear layout) arranged for the Highway f32 GEMM
// (gemm_f32_hwy.h), independent of the CPU's vector width, so one file
// serves every target and gives the same results on each:
//   panel p = 0..ceil(N / 16) - 1 holds, for k = 0..K-1, the 16 floats
//   W[16 p + j, k], j = 0..15, contiguously (64 bytes; j >= N - 16 p are 0).
// Element (n, k) is at float index (n / 16) * 16 K + 16 k + n % 16.
#ifndef EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_LAYOUT_H_
#define EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_LAYOUT_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::kernels {

inline constexpr size_t kF32PanelWidth = 16;

// Floats of a packed [n, k] weight: ceil(n / 16) * 16 * k.
inline constexpr size_t F32PackedFloats(size_t n, size_t k) {
  return (n + kF32PanelWidth - 1) / kF32PanelWidth * kF32PanelWidth * k;
}

// Bytes of a packed [n, k] weight, in 64 bits (file validation on 32-bit
// targets).
inline constexpr uint64_t F32PackedBytes(uint64_t n, uint64_t k) {
  return (n + kF32PanelWidth - 1) / kF32PanelWidth * kF32PanelWidth * k *
         sizeof(float);
}

// weight: n rows of k floats -> packed: F32PackedFloats(n, k) floats.
void PackF32Weights(const float* weight, size_t n, size_t k, float* packed);
// The inverse: packed -> n rows of k floats.
void UnpackF32Weights(const float* packed, size_t n, size_t k, float* weight);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_F32_HWY_LAYOUT_H_
