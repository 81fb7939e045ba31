// SmoothQuant (Xiao et al. 2023, eq. 4) factors per GEMM input channel:
//   s[k] = max|x_k|^alpha / max_n |W[n, k]|^(1 - alpha),
// s[k] = 1 when either max is 0 or the result is not finite, then clamped
// to [kMinSmooth, kMaxSmooth]. The fused QKV GEMM has one s over its shared
// input. BERT is post-LN, so s cannot be folded into a LayerNorm: the
// runtime multiplies x by 1/s when it quantizes x (runtime/quant/codec.h).
#ifndef EDGEBERT_QUANTIZE_INT8_SMOOTHING_H_
#define EDGEBERT_QUANTIZE_INT8_SMOOTHING_H_

#include <cstddef>
#include <vector>

namespace edgebert {

inline constexpr float kMinSmooth = 1e-5f, kMaxSmooth = 1e5f;
// Per-GEMM alphas tried by Int8Options::alpha_search.
inline constexpr float kAlphaGrid[] = {0.2f, 0.3f, 0.4f, 0.5f,
                                       0.6f, 0.7f, 0.8f};

// SmoothQuant factors of one GEMM (formula and guards above). x_absmax[k]
// per input channel; w is [n, k] row-major.
std::vector<float> SmoothFactors(const std::vector<float>& x_absmax,
                                 const float* w, size_t n, size_t k,
                                 float alpha);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_SMOOTHING_H_
