// Scalar reference of kernels::AttentionI8 (attention_i8.h): the formulas
// there with plain loops, int32 dot products, quant::QuantizeRow, and the
// exp / sum of det_math-inl.h spelled out with std::fma in their order, so
// the output equals every FMA target's bit for bit. Test library only.
#ifndef EDGEBERT_RUNTIME_KERNELS_ATTENTION_I8_REF_H_
#define EDGEBERT_RUNTIME_KERNELS_ATTENTION_I8_REF_H_

#include <cstddef>

namespace edgebert::kernels::ref {

// det::ExpNonPositive of one float (FMA form).
float ExpNonPositive(float x);
// det::FixedSum: 16 partials (i mod 16, increasing i), then the fixed tree.
float FixedSum(const float* x, size_t n);

// Contract of kernels::AttentionI8; no scratch needed.
void AttentionI8(const float* qkv, size_t qkv_stride, size_t seq,
                 size_t num_heads, size_t head_dim, float scale,
                 const float* mask_add, size_t head_begin, size_t head_end,
                 float* ctx, size_t ctx_stride);

}  // namespace edgebert::kernels::ref

#endif  // EDGEBERT_RUNTIME_KERNELS_ATTENTION_I8_REF_H_
