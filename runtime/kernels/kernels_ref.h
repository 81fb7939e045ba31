// Scalar references of the kernels in kernels.h, computed in double with
// plain loops and libm (std::erf, std::exp). Same contracts and layouts as
// kernels.h; used by tests only. Outputs are rounded to float at the end.
#ifndef EDGEBERT_RUNTIME_KERNELS_KERNELS_REF_H_
#define EDGEBERT_RUNTIME_KERNELS_KERNELS_REF_H_

#include <cstddef>

namespace edgebert::kernels::ref {

void AddLayerNorm(const float* x, const float* residual, const float* gamma,
                  const float* beta, float eps, size_t rows, size_t cols,
                  float* y);
void BiasGeluErf(float* x, const float* bias, size_t rows, size_t cols);
// No scratch needed.
void Attention(const float* qkv, size_t qkv_stride, size_t seq,
               size_t num_heads, size_t head_dim, float scale,
               const float* mask_add, size_t head_begin, size_t head_end,
               float* ctx, size_t ctx_stride);
// y[M, N] = x[M, K] * w[N, K]^T + bias[N] (bias may be null), double sums.
void GemmF32(const float* x, const float* w, const float* bias, size_t m,
             size_t k, size_t n, float* y);

}  // namespace edgebert::kernels::ref

#endif  // EDGEBERT_RUNTIME_KERNELS_KERNELS_REF_H_
