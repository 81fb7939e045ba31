#include "runtime/kernels/gemm_f32_hwy_layout.h"

namespace edgebert::kernels {

void PackF32Weights(const float* weight, size_t n, size_t k, float* packed) {
  const size_t panels = (n + kF32PanelWidth - 1) / kF32PanelWidth;
  for (size_t p = 0; p < panels; ++p) {
    for (size_t kk = 0; kk < k; ++kk) {
      for (size_t j = 0; j < kF32PanelWidth; ++j) {
        const size_t row = p * kF32PanelWidth + j;
        *packed++ = row < n ? weight[row * k + kk] : 0.0f;
      }
    }
  }
}

void UnpackF32Weights(const float* packed, size_t n, size_t k, float* weight) {
  for (size_t row = 0; row < n; ++row) {
    const float* panel = packed + row / kF32PanelWidth * kF32PanelWidth * k +
                         row % kF32PanelWidth;
    for (size_t kk = 0; kk < k; ++kk) {
      weight[row * k + kk] = panel[kk * kF32PanelWidth];
    }
  }
}

}  // namespace edgebert::kernels
