// Target-independent f32 building blocks shared by kernels.cc and gemm_i8.cc
// (per-target inline header: include after hwy/highway.h inside a
// foreach_target.h skeleton).
//
// Contract: on every Highway target with a fused multiply-add
// (HWY_NATIVE_FMA: AVX2, AVX3, AVX3_DL, NEON on aarch64 and on armv7 with
// VFPv4, SVE, SVE2) each function below returns bit-identical results for
// the same inputs, whatever the vector width. That makes the int8 forward
// pass (whose only f32 steps are these, elementwise Mul/Add/MulAdd and the
// sequential-k f32 GEMM) produce identical logits on x86 and ARM. It needs:
//  - a fixed summation order: FixedSum* keep 16 partial sums (element i goes
//    to partial i mod 16, accumulated in increasing i, the input zero-padded
//    to a multiple of 16) and combine them by the fixed tree
//    p[j] += p[j + 8], p[j] += p[j + 4], p[j] += p[j + 2], p[0] + p[1];
//  - MulAdd fused wherever it is used, and no compiler contraction of
//    separate Mul and Add: the runtime is compiled with -ffp-contract=off
//    (runtime/CMakeLists.txt);
//  - correctly rounded division: armv7 NEON has no vector divide (Highway
//    emulates it with a reciprocal estimate), so DivExact divides lane by
//    lane in scalar VFP there;
//  - no denormals: ExpNonPositive flushes results below e^-64 to 0, so
//    targets that flush denormals (armv7 NEON always does) agree.
// Targets without FMA (SSE4, SSSE3, EMU128, SCALAR, armv7 without VFPv4)
// compute the same formulas with unfused MulAdd: within the tolerances of
// kernel_tolerances.h, not bit-identical.
#if defined(EDGEBERT_RUNTIME_KERNELS_DET_MATH_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef EDGEBERT_RUNTIME_KERNELS_DET_MATH_INL_H_
#undef EDGEBERT_RUNTIME_KERNELS_DET_MATH_INL_H_
#else
#define EDGEBERT_RUNTIME_KERNELS_DET_MATH_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace det {
namespace hn = hwy::HWY_NAMESPACE;

// Number of partial sums of the FixedSum* reductions.
inline constexpr size_t kPartials = 16;

#if HWY_TARGET == HWY_SCALAR

// Scalar target: the same partials and tree, one float at a time.
template <class Term>
HWY_INLINE float FixedSumImpl(size_t n, const Term& term) {
  float p[kPartials] = {};
  for (size_t i = 0; i < n; ++i) p[i % kPartials] += term(i);
  for (size_t w = kPartials / 2; w >= 1; w /= 2) {
    for (size_t j = 0; j < w; ++j) p[j] += p[j + w];
  }
  return p[0];
}

HWY_INLINE float FixedSum(const float* HWY_RESTRICT x, size_t n) {
  return FixedSumImpl(n, [&](size_t i) { return x[i]; });
}
HWY_INLINE float FixedSumSqDev(const float* HWY_RESTRICT x, float mean,
                               size_t n) {
  return FixedSumImpl(n, [&](size_t i) {
    const float v = x[i] - mean;
    return v * v;
  });
}
HWY_INLINE float FixedDot(const float* HWY_RESTRICT a,
                          const float* HWY_RESTRICT b, size_t n) {
  return FixedSumImpl(n, [&](size_t i) { return a[i] * b[i]; });
}

#else

// Four 4-lane accumulators hold the 16 partials (a<v> lane l = partial
// 4v + l). `terms(acc, i, end)` returns acc + the terms of elements
// [i, i + 4); end is null inside the array, else it points to n and lanes at
// or past n must contribute exactly 0 (the zero padding of the contract).
using D4 = hn::FixedTag<float, 4>;

HWY_INLINE float Tree(hn::Vec<D4> a0, hn::Vec<D4> a1, hn::Vec<D4> a2,
                      hn::Vec<D4> a3) {
  const D4 d;
  a0 = hn::Add(a0, a2);  // p[j] += p[j + 8], j < 8.
  a1 = hn::Add(a1, a3);
  a0 = hn::Add(a0, a1);  // p[j] += p[j + 4], j < 4.
  HWY_ALIGN float p[4];
  hn::Store(a0, d, p);
  const float p0 = p[0] + p[2];  // p[j] += p[j + 2], j < 2.
  const float p1 = p[1] + p[3];
  return p0 + p1;
}

template <class Terms>
HWY_INLINE float FixedSumImpl(size_t n, const Terms& terms) {
  const D4 d;
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  size_t i = 0;
  for (; i + kPartials <= n; i += kPartials) {
    a0 = terms(a0, i, nullptr);
    a1 = terms(a1, i + 4, nullptr);
    a2 = terms(a2, i + 8, nullptr);
    a3 = terms(a3, i + 12, nullptr);
  }
  if (i < n) {
    // Tail: terms of [i, n) from zero-padded copies (see `terms`).
    a0 = terms(a0, i, &n);
    a1 = terms(a1, i + 4, &n);
    a2 = terms(a2, i + 8, &n);
    a3 = terms(a3, i + 12, &n);
  }
  return Tree(a0, a1, a2, a3);
}

// Loads x[i, i + 4); when end is non-null, lanes at or past *end are `pad`.
HWY_INLINE hn::Vec<D4> Load4(const float* HWY_RESTRICT x, size_t i,
                             const size_t* end, float pad = 0.0f) {
  const D4 d;
  if (end == nullptr) return hn::LoadU(d, x + i);
  HWY_ALIGN float buf[4] = {pad, pad, pad, pad};
  for (size_t l = 0; l < 4 && i + l < *end; ++l) buf[l] = x[i + l];
  return hn::Load(d, buf);
}

HWY_INLINE float FixedSum(const float* HWY_RESTRICT x, size_t n) {
  return FixedSumImpl(n, [&](hn::Vec<D4> acc, size_t i, const size_t* end) {
    return hn::Add(acc, Load4(x, i, end));
  });
}

// Padded lanes hold `mean`, so they contribute (mean - mean)^2 = 0.
HWY_INLINE float FixedSumSqDev(const float* HWY_RESTRICT x, float mean,
                               size_t n) {
  const auto vm = hn::Set(D4(), mean);
  return FixedSumImpl(n, [&](hn::Vec<D4> acc, size_t i, const size_t* end) {
    const auto v = hn::Sub(Load4(x, i, end, mean), vm);
    return hn::MulAdd(v, v, acc);
  });
}

HWY_INLINE float FixedDot(const float* HWY_RESTRICT a,
                          const float* HWY_RESTRICT b, size_t n) {
  return FixedSumImpl(n, [&](hn::Vec<D4> acc, size_t i, const size_t* end) {
    return hn::MulAdd(Load4(a, i, end), Load4(b, i, end), acc);
  });
}

#endif  // HWY_TARGET == HWY_SCALAR

// a / b, correctly rounded in every lane (IEEE division).
template <class D, class V>
HWY_INLINE V DivExact(D d, V a, V b) {
#if HWY_ARCH_ARM_V7
  HWY_ALIGN float fa[hn::MaxLanes(d)];
  HWY_ALIGN float fb[hn::MaxLanes(d)];
  hn::Store(a, d, fa);
  hn::Store(b, d, fb);
  for (size_t l = 0; l < hn::Lanes(d); ++l) fa[l] /= fb[l];
  return hn::Load(d, fa);
#else
  (void)d;
  return hn::Div(a, b);
#endif
}

// exp(x) for x <= 0 (softmax after subtracting the row max); 0 for
// x < kExpFlushBelow and for x = -inf. Cody-Waite reduction x = k ln2 + r,
// |r| <= ln2 / 2, ln2 split into kLn2Hi (8 significant bits, so k * kLn2Hi is
// exact for |k| < 2^16) + kLn2Lo; exp(r) by its degree-7 Taylor polynomial
// (truncation error r^8 / 8! <= 5.2e-9 relative, < u/10), Horner with MulAdd;
// result = p * 2^k with 2^k built from the exponent bits (k >= -93 here, a
// normal number). Max relative error measured against double exp: see
// kernel_tolerances.h kExpRelErr.
inline constexpr float kExpFlushBelow = -64.0f;
template <class D, class V>
HWY_INLINE V ExpNonPositive(D d, V x) {
  const hn::RebindToSigned<D> di;
  const V flush = hn::Set(d, kExpFlushBelow);
  const auto tiny = hn::Not(hn::Ge(x, flush));  // also true for NaN / -inf.
  const V xc = hn::Max(x, flush);
  // k = round(x / ln2), ties to even, via the 1.5 * 2^23 shift (exact: the
  // sum is in [2^23, 2^24) where the spacing is 1).
  const V kShift = hn::Set(d, 12582912.0f);
  const V kf = hn::Sub(
      hn::Add(hn::Mul(xc, hn::Set(d, 1.44269504088896341f)), kShift), kShift);
  V r = hn::NegMulAdd(kf, hn::Set(d, 0.693359375f), xc);  // kLn2Hi
  r = hn::NegMulAdd(kf, hn::Set(d, -2.12194440e-4f), r);  // kLn2Lo
  V p = hn::Set(d, 1.0f / 5040.0f);
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 720.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 120.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 24.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 6.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.5f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  const auto ki = hn::ConvertTo(di, kf);
  const V two_k =
      hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(ki, hn::Set(di, 127))));
  return hn::IfThenZeroElse(tiny, hn::Mul(p, two_k));
}

// erf(x) ~= x * P(x^2) / Q(x^2) for |x| <= kErfClamp, x clamped beyond it
// (erf(3.92) = 1 - 2.5e-8). P has degree 6, Q degree 4 with Q(0) = 1: minimax
// fit of erf(x) (absolute error) on [0, 3.92] by Lawson-reweighted linearized
// least squares in float64 over a Chebyshev grid, coefficients rounded to f32.
// Max |error| of the f32 evaluation vs double erf over [0, 6], step 6e-6:
// 3.2e-7 with FMA, 3.9e-7 without (fit: 4.3e-8; the rest is f32 rounding near
// erf = 1); bound incl. argument rounding: kErfMaxAbsErr (tested in
// gemm_i8_test.cc and kernel_test.cc).
inline constexpr float kErfClamp = 3.92f;
inline constexpr float kErfP[7] = {
    1.128378749e+00f, 2.061148435e-01f,  5.139735714e-02f, 3.972921520e-03f,
    1.489877177e-04f, -1.994307013e-06f, 1.992147070e-08f};
inline constexpr float kErfQ[4] = {5.159932971e-01f, 1.175648123e-01f,
                                   1.488927100e-02f, 1.024132012e-03f};

// GELU(v) = 0.5 v (1 + erf(v / sqrt2)) (HF "gelu") with the erf above:
// 12 FMA/mul and one division, no Exp.
template <class D, class V>
HWY_INLINE V GeluErf(D d, V v) {
  const V x = hn::Min(hn::Max(hn::Mul(v, hn::Set(d, 0.70710678118654752f)),
                              hn::Set(d, -kErfClamp)),
                      hn::Set(d, kErfClamp));
  const V t = hn::Mul(x, x);
  V p = hn::Set(d, kErfP[6]);
  p = hn::MulAdd(p, t, hn::Set(d, kErfP[5]));
  p = hn::MulAdd(p, t, hn::Set(d, kErfP[4]));
  p = hn::MulAdd(p, t, hn::Set(d, kErfP[3]));
  p = hn::MulAdd(p, t, hn::Set(d, kErfP[2]));
  p = hn::MulAdd(p, t, hn::Set(d, kErfP[1]));
  p = hn::MulAdd(p, t, hn::Set(d, kErfP[0]));
  V q = hn::Set(d, kErfQ[3]);
  q = hn::MulAdd(q, t, hn::Set(d, kErfQ[2]));
  q = hn::MulAdd(q, t, hn::Set(d, kErfQ[1]));
  q = hn::MulAdd(q, t, hn::Set(d, kErfQ[0]));
  q = hn::MulAdd(q, t, hn::Set(d, 1.0f));
  const V erf = DivExact(d, hn::Mul(x, p), q);
  const V hv = hn::Mul(hn::Set(d, 0.5f), v);
  return hn::MulAdd(hv, erf, hv);
}

// tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|) by ExpNonPositive
// (so +-1 for |x| > 32, where e flushes to 0), one correctly rounded
// division: 5 ops around Exp, no branches. |error| <= kTanhMaxAbsErr
// (kernel_tolerances.h; absolute, not relative: near 0 the 1 - e cancels).
template <class D, class V>
HWY_INLINE V Tanh(D d, V x) {
  const V one = hn::Set(d, 1.0f);
  const V ax = hn::Abs(x);
  const V e = ExpNonPositive(d, hn::Mul(ax, hn::Set(d, -2.0f)));
  const V t = DivExact(d, hn::Sub(one, e), hn::Add(one, e));
  return hn::CopySignToAbs(t, x);
}

// sigmoid(x) = 1 / (1 + exp(-x)), as n / (1 + e) with e = exp(-|x|) and
// n = 1 for x >= 0, e for x < 0 (no overflow; 0 for x < -64).
// |error| <= kSigmoidMaxAbsErr (kernel_tolerances.h).
template <class D, class V>
HWY_INLINE V Sigmoid(D d, V x) {
  const V one = hn::Set(d, 1.0f);
  const V e = ExpNonPositive(d, hn::Neg(hn::Abs(x)));
  const V num = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), e, one);
  return DivExact(d, num, hn::Add(one, e));
}

// GELU, tanh form (google-research/bert modeling.py gelu, HF "gelu_new"):
// 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3))), the tanh argument as
// v * (c + c * 0.044715 * v^2) with c = sqrt(2/pi); v is clamped to
// [-kGeluTanhClamp, kGeluTanhClamp] inside the tanh only (there the argument
// is >= 9.4, tanh = +-1 in f32), so v^3 never overflows.
inline constexpr float kGeluTanhClamp = 8.0f;
template <class D, class V>
HWY_INLINE V GeluTanh(D d, V v) {
  constexpr float kC = 0.7978845608028654f;  // sqrt(2 / pi)
  const V vc = hn::Min(hn::Max(v, hn::Set(d, -kGeluTanhClamp)),
                       hn::Set(d, kGeluTanhClamp));
  const V v2 = hn::Mul(vc, vc);
  const V inner =
      hn::Mul(vc, hn::MulAdd(v2, hn::Set(d, kC * 0.044715f), hn::Set(d, kC)));
  const V t = Tanh(d, inner);
  const V hv = hn::Mul(hn::Set(d, 0.5f), v);
  return hn::MulAdd(hv, t, hv);
}

// Activation codes shared by the f32 kernels and the int8 GEMM epilogue
// (same values as kernels::Act in kernels.h).
inline constexpr int kActNone = 0, kActGeluErf = 1, kActGeluTanh = 2,
                     kActRelu = 3;
template <class D, class V>
HWY_INLINE V Activate(D d, V v, int act) {
  switch (act) {
    case kActGeluErf:
      return GeluErf(d, v);
    case kActGeluTanh:
      return GeluTanh(d, v);
    case kActRelu:
      return hn::Max(v, hn::Zero(d));
    default:
      return v;
  }
}

}  // namespace det
}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard toggle
