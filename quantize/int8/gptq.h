// GPTQ weight rounding of one GEMM (the int8 path's rounding stage).
#ifndef EDGEBERT_QUANTIZE_INT8_GPTQ_H_
#define EDGEBERT_QUANTIZE_INT8_GPTQ_H_

#include <cstddef>
#include <cstdint>

#include "runtime/base/status.h"

namespace edgebert {

// GPTQ dampening: lambda = kGptqDamp * mean of the nonzero diag(H).
inline constexpr double kGptqDamp = 0.01;

// GPTQ weight rounding (Frantar et al. 2023, "GPTQ: Accurate Post-Training
// Quantization for Generative Pre-trained Transformers", Alg. 1 without the
// lazy batching), in its equivalent nearest-plane form: for one GEMM with
// weight w[n, :] (row-major [rows, k], f32, already smoothed), fixed scales
// scale[n] and input Hessian H = X^T X (row-major [k, k], symmetric; X the
// calibration inputs of the GEMM, smoothed), it minimizes per row the
// layer-output error
//   E(q) = (w - scale * q)^T H_d (w - scale * q),  H_d = H + lambda I,
//   lambda = damp * mean_{H[i,i] > 0} H[i,i]
// greedily over the input columns in order i = 0..k-1. With the "reverse"
// Cholesky factorization H_d = U U^T (U upper triangular; U = P chol(P H_d P)
// P with P the index reversal), E = ||U^T e||^2, e = w - scale * q, and
// column i is rounded to the value that zeroes (U^T e)_i given e_0..e_{i-1}:
//   q_i = clamp(round((w_i + sum_{j<i} U[j,i] e_j / U[i,i]) / scale), +-127)
// which is GPTQ's OBS error feedback through the Cholesky factor of H_d^-1
// (H_d^-1 = U^-T U^-1, GPTQ's upper factor is U^-1). A column with H[i,i] = 0
// (input always 0 in calibration) gets H_d[i,i] = lambda and no coupling:
// it is rounded to nearest. A row with scale 0 gets q = 0.
// q: rows * k int8 out. InvalidArgument for non-finite / negative diagonal
// entries; FailedPrecondition if H_d is not positive definite even after
// raising lambda 10x four times (caller falls back to nearest rounding).
Status GptqRound(const float* w, size_t rows, size_t k, const float* scales,
                 const float* hessian, double damp, int8_t* q);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_GPTQ_H_
