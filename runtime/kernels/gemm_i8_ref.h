// Scalar reference of the int8 GEMM (gemm_i8.h), straight from the formulas
// in runtime/quant/codec.h. Used by tests; slow.
#ifndef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_REF_H_
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_REF_H_

#include <cstddef>
#include <cstdint>

#include "runtime/kernels/gemm_i8.h"

namespace edgebert::kernels::ref {

// Same contract and output as kernels::QuantizeActivations (quant::QuantizeRow
// per row, rows of stride RoundUp(k, 4), zero padding).
void QuantizeActivationsRef(const float* x, size_t m, size_t k, size_t x_stride,
                            const float* inv_smooth, int8_t* xq,
                            float* row_scales);

// Same contract and output as kernels::QuantizeActivationsTwoPass (2m rows:
// QuantizeActivationsRef, then each row's quant::ActivationResidual
// quantized by quant::QuantizeRow).
void QuantizeActivationsTwoPassRef(const float* x, size_t m, size_t k,
                                   size_t x_stride, const float* inv_smooth,
                                   int8_t* xq, float* row_scales);

// acc[m, n] = sum_{k < K} xq[m, k] * wq[n, k], reading wq from the packed
// I8PackedK4 bytes.
void GemmI8Int32Ref(const PackedWeightsI8View& w, const int8_t* xq, size_t m,
                    int32_t* acc, size_t acc_stride);

// y = float(acc) * (row_scale[m] * scale[n]) + bias[n], then the epilogue's
// activation (GELU with std::erf or std::tanh in double, ReLU).
void GemmI8Ref(const PackedWeightsI8View& w, const int8_t* xq,
               const float* row_scales, size_t m, float* y, size_t y_stride,
               GemmI8Epilogue epilogue);

}  // namespace edgebert::kernels::ref

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_REF_H_
