// f32 SIMD kernels of the encoder (Highway, dynamic dispatch).
//
// Each entry point works on a whole matrix so that the Highway target is
// dispatched once per call (once per layer step), never per vector. Every
// kernel has a scalar reference in kernels_ref.h; tests compare each compiled
// target against it (kernel_test.cc) with tolerances in kernel_tolerances.h.
//
// Matrices are row-major; `stride` arguments are in elements. No kernel
// allocates; all of them are safe to call concurrently on disjoint outputs.
#ifndef EDGEBERT_RUNTIME_KERNELS_KERNELS_H_
#define EDGEBERT_RUNTIME_KERNELS_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::kernels {

// y[r, :] = LayerNorm(x[r, :] + residual[r, :]) * gamma + beta, where
// LayerNorm(v) = (v - mean(v)) / sqrt(var(v) + eps) with the biased variance
// (PyTorch nn.LayerNorm). `residual` may be null. `y` may alias `x` or
// `residual` exactly (in-place), but not partially overlap.
void AddLayerNorm(const float* x, const float* residual, const float* gamma,
                  const float* beta, float eps, size_t rows, size_t cols,
                  float* y);

// x[i] = GELU(x[i] + bias[i % cols]) for an rows x cols matrix, erf form:
// 0.5 * v * (1 + erf(v / sqrt(2))) (HF "gelu"). `bias` may be null.
void BiasGeluErf(float* x, const float* bias, size_t rows, size_t cols);

// Multi-head self-attention core for heads [head_begin, head_end):
//   for each head h, with Q_h = qkv[:, h*d : (h+1)*d],
//   K_h = qkv[:, H + h*d : ...], V_h = qkv[:, 2H + h*d : ...]  (H = heads*d):
//   P = softmax(Q_h K_h^T * scale + mask_add[None, :]) over the key axis,
//   ctx[:, h*d : (h+1)*d] = P V_h.
// qkv: seq x qkv_stride (qkv_stride >= 3H); ctx: seq x ctx_stride.
// scratch: at least AttentionScratchFloats(seq) floats (valid for any
// smaller seq too; 132 * seq rounded up to 64), private to the caller (one
// per concurrent caller); need not be initialized.
// Cost: 4 * seq^2 * head_dim flops per head; query rows are processed in
// tiles of 4 that share every K^T / V load (see kernels.cc).
size_t AttentionScratchFloats(size_t seq);
void Attention(const float* qkv, size_t qkv_stride, size_t seq,
               size_t num_heads, size_t head_dim, float scale,
               const float* mask_add, size_t head_begin, size_t head_end,
               float* scratch, float* ctx, size_t ctx_stride);

// Name of the Highway target these kernels dispatch to on this CPU,
// e.g. "AVX3_ZEN4", "AVX2", "NEON", "SVE2", "EMU128", "SCALAR".
const char* ActiveTargetName();

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_KERNELS_H_
