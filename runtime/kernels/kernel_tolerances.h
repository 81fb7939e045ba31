// Error bounds of the f32 kernels against their double references
// (kernels_ref.h), derived from standard floating-point error analysis
// (N. Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed.,
// 2002: recursive summation / dot product of n terms has relative error
// <= gamma_n = n*u / (1 - n*u) ~ n*u, with u the unit roundoff). The bounds
// are worst-case, so they hold for every Highway target regardless of the
// summation order or lane count; FMA only tightens them.
#ifndef EDGEBERT_RUNTIME_KERNELS_KERNEL_TOLERANCES_H_
#define EDGEBERT_RUNTIME_KERNELS_KERNEL_TOLERANCES_H_

#include <cmath>
#include <cstddef>

namespace edgebert::kernels::tol {

// f32 unit roundoff u = 2^-24 (half of FLT_EPSILON).
inline constexpr float kUnitRoundoff = 5.9604645e-8f;

// det::ExpNonPositive (det_math-inl.h) on [kExpFlushBelow = -64, 0]:
// Taylor truncation <= 5.2e-9 (< u/10), reduced argument error <= u |r| +
// |k| ulp(kLn2Lo) (k <= 93), 8 Horner steps whose rounding errors shrink
// by |r| <= 0.35 each (sum <= 1.6u), the final product by 2^k (u):
// <= 3u; measured max 1.23u with FMA, 1.63u without (kernel_test.cc).
inline constexpr float kExpRelErr = 3 * kUnitRoundoff;

// The rational erf of det::GeluErf: |error| <= 3.2e-7 with FMA, 3.9e-7
// without (measured vs double erf over [0, 6], step 6e-6), + 0.6e-7 for
// rounding v / sqrt2 (two roundings of relative 2^-24 on an argument where
// |x| erf'(x) <= 0.49). Tested in gemm_i8_test.cc.
inline constexpr float kErfMaxAbsErr = 4.5e-7f;

// Dot product / sum of n f32 terms plus `extra` further rounded operations:
// relative error (w.r.t. the sum of absolute values) <= (n + extra) * u.
inline constexpr float SumRelErr(size_t n, size_t extra) {
  return static_cast<float>(n + extra) * kUnitRoundoff;
}

// AddLayerNorm, per element c of a row with reference mean m, inverse std
// s = 1/sqrt(var + eps) and normalized value n_c:
//   |y_c - ref_c| <= LayerNormRelErr(cols)
//                    * (|gamma_c| * (|n_c| + |m| * s + 1) + |beta_c|).
// Mean and variance are f32 sums of `cols` terms (gamma_cols each); the
// mean's error enters n_c scaled by s (the |m| s term); the variance error
// enters s halved by the square root; +16 covers the ~10 remaining rounded
// operations (x + residual is rounded identically in the reference, sqrt,
// division, subtraction, two multiplies, fma) with margin.
inline constexpr float LayerNormRelErr(size_t cols) {
  return SumRelErr(cols, 16);
}

// BiasGeluErf: |y - ref| <= kGeluRelErr * |v| (v = x + bias), because
// GELU(v) = v/2 + v/2 * erf(v/sqrt2): the erf error enters as
// 0.5 * kErfMaxAbsErr * |v| (it already includes the rounding of the erf
// evaluation); the bias add, the halving and the final fused v/2 * erf + v/2
// add at most 2u relative to |v|; 4u leaves margin.
inline constexpr float kGeluRelErr = 0.5f * kErfMaxAbsErr + 4 * kUnitRoundoff;

// Attention, absolute error of each ctx element:
//   |ctx - ref| <= v_abs_max * (2 * score_abs_err + SumRelErr(2 seq, 16)),
// where score_abs_err = SumRelErr(head_dim, 2) * dot_abs_bound bounds the
// error of each scaled score (dot_abs_bound = scale * max_ij sum_c
// |q_ic k_jc| over unmasked keys; keys masked with -10000 get weight
// exp(-10000 + O(10)) = 0 exactly in both f32 and double, so their larger
// rounding does not matter), an absolute score error d becomes a relative
// error ~d of exp (twice: numerator and normalizer), and the softmax sum and
// the P V sum over seq terms add gamma_seq each, relative to
// sum_j p_j |v_j| <= v_abs_max.
inline constexpr float AttentionAbsErr(size_t seq, size_t head_dim,
                                       float dot_abs_bound, float v_abs_max) {
  return v_abs_max *
         (2 * SumRelErr(head_dim, 2) * dot_abs_bound + SumRelErr(2 * seq, 16));
}

// kernels::AttentionI8 on a target without FMA against its FMA-exact
// reference: the int8 codes of Q, K and V and the scores are identical;
// only det::ExpNonPositive differs (kExpRelErr each way). A change of e by
// 2 kExpRelErr can flip P's high or low code by one, moving the two-code
// value hi + lo / 254 by at most 1 / 254 in units of 1/127 of the row max
// (the low code absorbs a high-code flip up to its own half step), so each
// weight errs by <= 1 / (127 * 254) + 2 kExpRelErr, the row sum (>= 1) by
// SumRelErr(seq, 0) relatively more. ctx = sum_j p_j v_j / sum with |v| <=
// v_abs_max (the V codes dequantize to at most it): per element
//   <= v_abs_max * (seq * (1 / 32258 + 2 kExpRelErr) + SumRelErr(seq, 4)).
inline constexpr float AttentionI8NoFmaAbsErr(size_t seq, float v_abs_max) {
  return v_abs_max *
         (static_cast<float>(seq) * (1.0f / 32258.0f + 2 * kExpRelErr) +
          SumRelErr(seq, 4));
}

// f32 GEMM y = x W^T + b, per element:
//   |y_ij - ref_ij| <= GemmRelErr(k) * (|b_j| + sum_k |x_ik w_jk|)
// (dot product of k terms plus the bias add: gamma_{k+1}; +2 margin).
inline constexpr float GemmRelErr(size_t k) { return SumRelErr(k, 3); }

// det::Tanh, absolute: the Exp error (3u relative on e = exp(-2|x|)) moves
// t = (1 - e) / (1 + e) by at most 3u e * 2 / (1 + e)^2 <= 1.5u; the
// roundings of 1 - e, 1 + e and the quotient add <= 3u |t|: 4.5u, + margin.
inline constexpr float kTanhMaxAbsErr = 6 * kUnitRoundoff;

// det::Sigmoid, absolute: the Exp error moves n / (1 + e) by at most
// 3u e / (1 + e)^2 <= 0.75u; rounding 1 + e and the quotient add <= 2u s.
inline constexpr float kSigmoidMaxAbsErr = 3 * kUnitRoundoff;

// BiasActivation(kGeluTanh): |y - ref| <= kGeluTanhRelErr * |v|. The tanh
// argument a = v (c + c' v^2) carries ~4 roundings (v^2, MulAdd, product,
// c' = c * 0.044715 rounded), i.e. <= 4u |a|, which tanh turns into at most
// 4u * max(a sech^2 a) = 4u * 0.45 = 1.8u; with the tanh's own error that is
// (kTanhMaxAbsErr + 2u) in 1 + tanh, halved by 0.5 v; the bias add, halving
// and final MulAdd add 2u relative to |v|; 4u leaves margin.
inline constexpr float kGeluTanhRelErr =
    0.5f * (kTanhMaxAbsErr + 2 * kUnitRoundoff) + 4 * kUnitRoundoff;

// LstmSequence vs its double reference, absolute error of h after t steps,
// by iterating the forward error recurrence. Inputs: z_abs >= max over
// columns and steps of |xz| + sum_k |R[k, col]| (so |z| <= z_abs, as
// |h| <= 1) and rho >= max_col sum_k |R[k, col]|. Then the forget gate is
// <= f_max = sigmoid(z_abs + 1) and |c_s| <= c_s_max = min(s + 1,
// 1 / (1 - f_max)) (|c_s| <= f_max |c_{s-1}| + 1). Per step:
//   e_z <= gamma_{U+1} * z_abs + rho * e_h,
//   gates i, f, o: e_z / 4 + kSigmoidMaxAbsErr (sigmoid' <= 1/4),
//   j: e_z + kTanhMaxAbsErr (tanh' <= 1),
//   e_c' <= f_max e_c + e_f |c| + e_i + e_j + 3u (|c| + 1) (products, MulAdd),
//   e_h' <= e_o + e_c' + kTanhMaxAbsErr + u.
// Worst case: it grows geometrically unless f_max + rho (c_max / 4 + 2) < 1,
// so tests use small recurrent weights for long sequences.
inline float LstmAbsErr(size_t units, size_t t, float z_abs, float rho) {
  const float f_max = 1.0f / (1.0f + std::exp(-(z_abs + 1.0f)));
  const float c_lim = 1.0f / (1.0f - f_max);
  float eh = 0, ec = 0;
  for (size_t s = 0; s < t; ++s) {
    const float cmax =
        static_cast<float>(s + 1) < c_lim ? static_cast<float>(s + 1) : c_lim;
    const float ez = SumRelErr(units, 1) * z_abs + rho * eh;
    const float eg = 0.25f * ez + kSigmoidMaxAbsErr;
    const float ej = ez + kTanhMaxAbsErr;
    ec = f_max * ec + eg * cmax + eg + ej + 3 * kUnitRoundoff * (cmax + 1);
    eh = eg + ec + kTanhMaxAbsErr + kUnitRoundoff;
  }
  return eh;
}

}  // namespace edgebert::kernels::tol

#endif  // EDGEBERT_RUNTIME_KERNELS_KERNEL_TOLERANCES_H_
