// int8 multi-head self-attention core, the int8 counterpart of
// kernels::Attention (kernels.h) with the same qkv / ctx / mask layout.
//
// Per head h (Q_h, K_h, V_h: seq x d slices of qkv, d = head_dim):
//   qq[i], qs[i] = QuantizeRow(Q_h[i])            per token (codec.h)
//   kq[j], ks[j] = QuantizeRow(K_h[j]);  ks'[j] = ks[j] * scale
//   vq[c], vs[c] = QuantizeRow(V_h[:, c])         per channel
//   s[i, j] = float(sum_c qq[i, c] kq[j, c]) * (qs[i] * ks'[j]) + 0
//             + mask_add[j]                              (int32 dot, exact)
//   e[i, j] = det::ExpNonPositive(s[i, j] - max_j s[i, j])  (row max e = 1)
//   sum[i]  = det::FixedSum(e[i, :])
//   two int8 codes of P (row max 1, fixed scale 1 / 127), round half even:
//   t = e[i, j] * 127, ph[i, j] = round(t), pl[i, j] = round((t - ph) * 254)
//   ps[i] = (1.0f / 127) / sum[i], pls[i] = ps[i] / 254
//   ctx[i, c] = (float(sum_j ph[i, j] vq[c, j]) * (ps[i] * vs[c]) + 0)
//             + (float(sum_j pl[i, j] vq[c, j]) * (pls[i] * vs[c]) + 0)
// The low code matters: one int8 code of P (absolute error 1/254 of the row
// max) zeroes the many small weights beside an attention sink and cost
// pd-tiny 0.009 entity F1; with both codes P errs by <= 1.6e-5.
// The two int32 products run on the int8 GEMM micro-kernels (gemm_i8.h) with
// K_h and V_h^T packed per head at run time into the caller's scratch.
// Every float step is elementwise or a det_math reduction, so the output is
// bit-identical on every FMA target (x86 and ARM) and to the scalar
// reference AttentionI8Ref (attention_i8_ref.h); targets without FMA differ
// only through ExpNonPositive's unfused MulAdd.
//
// No allocation, validation or logging; safe to call concurrently with
// disjoint head ranges and scratch.
#ifndef EDGEBERT_RUNTIME_KERNELS_ATTENTION_I8_H_
#define EDGEBERT_RUNTIME_KERNELS_ATTENTION_I8_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::kernels {

// Scratch bytes for any seq' <= seq at this head_dim (one caller).
size_t AttentionI8ScratchBytes(size_t seq, size_t head_dim);

// Contract of kernels::Attention; scratch: AttentionI8ScratchBytes(seq,
// head_dim) bytes, 64-byte aligned, private to the caller, need not be
// initialized.
void AttentionI8(const float* qkv, size_t qkv_stride, size_t seq,
                 size_t num_heads, size_t head_dim, float scale,
                 const float* mask_add, size_t head_begin, size_t head_end,
                 void* scratch, float* ctx, size_t ctx_stride);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_ATTENTION_I8_H_
