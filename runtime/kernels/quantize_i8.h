// Dynamic per-row int8 quantization of GEMM activations, the input of
// kernels::GemmI8 (runtime/kernels/gemm_i8.h). Formulas and rounding:
// quant::QuantizeRow (runtime/quant/codec.h). Highway dynamic dispatch; no
// allocation, validation or logging; safe to call concurrently on disjoint
// outputs.
#ifndef EDGEBERT_RUNTIME_KERNELS_QUANTIZE_I8_H_
#define EDGEBERT_RUNTIME_KERNELS_QUANTIZE_I8_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::kernels {

// Quantized activations are m rows of QuantizedActivationStride(k) int8
// (= RoundUp(k, 4); bytes past k are written as 0).
size_t QuantizedActivationStride(size_t k);
size_t QuantizedActivationBytes(size_t m, size_t k);

// Per-row dynamic quantization of x[m, k] (row stride x_stride floats), with
// x'[k] = x[k] * inv_smooth[k] when inv_smooth is non-null. Writes xq (see
// above) and row_scales[m]; bit-identical to quant::QuantizeRow per row.
void QuantizeActivations(const float* x, size_t m, size_t k, size_t x_stride,
                         const float* inv_smooth, int8_t* xq,
                         float* row_scales);

// Two-pass activations (quant::ActivationResidual, runtime/quant/codec.h):
// rows [0, m) of xq / row_scales are QuantizeActivations' output, rows
// [m, 2m) the residual x' - row_scale * q of each row quantized the same way
// (no smoothing). residual: k floats of scratch. Bit-identical to
// QuantizeRow / ActivationResidual per row.
void QuantizeActivationsTwoPass(const float* x, size_t m, size_t k,
                                size_t x_stride, const float* inv_smooth,
                                int8_t* xq, float* row_scales, float* residual);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_QUANTIZE_I8_H_
