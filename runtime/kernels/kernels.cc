// Highway implementation of runtime/kernels/kernels.h (one skeleton, dynamic
// dispatch once per call). Tails shorter than a vector are processed with a
// one-lane tag (CappedTag<float, 1>) so every target runs the same formula.
#include "runtime/kernels/kernels.h"

#include <cmath>
#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/kernels.cc"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using D1 = hn::CappedTag<float, 1>;

// Sum of x[0, n).
HWY_INLINE float SumRow(const float* HWY_RESTRICT x, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    a0 = hn::Add(a0, hn::LoadU(d, x + i));
    a1 = hn::Add(a1, hn::LoadU(d, x + i + N));
  }
  for (; i + N <= n; i += N) a0 = hn::Add(a0, hn::LoadU(d, x + i));
  float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0, a1)));
  for (; i < n; ++i) s += x[i];
  return s;
}

// Sum of (x[i] - mean)^2 over [0, n).
HWY_INLINE float SumSqDev(const float* HWY_RESTRICT x, float mean, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const auto vm = hn::Set(d, mean);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto v0 = hn::Sub(hn::LoadU(d, x + i), vm);
    const auto v1 = hn::Sub(hn::LoadU(d, x + i + N), vm);
    a0 = hn::MulAdd(v0, v0, a0);
    a1 = hn::MulAdd(v1, v1, a1);
  }
  for (; i + N <= n; i += N) {
    const auto v0 = hn::Sub(hn::LoadU(d, x + i), vm);
    a0 = hn::MulAdd(v0, v0, a0);
  }
  float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0, a1)));
  for (; i < n; ++i) s += (x[i] - mean) * (x[i] - mean);
  return s;
}

// y[i, i + Lanes(d)) = x[...] + r[...] (r may be null); y may alias x or r.
template <class D>
HWY_INLINE void AddStep(D d, const float* x, const float* r, size_t i,
                        float* y) {
  auto v = hn::LoadU(d, x + i);
  if (r != nullptr) v = hn::Add(v, hn::LoadU(d, r + i));
  hn::StoreU(v, d, y + i);
}

void AddLayerNormImpl(const float* x, const float* residual, const float* gamma,
                      const float* beta, float eps, size_t rows, size_t cols,
                      float* y) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  for (size_t row = 0; row < rows; ++row) {
    const float* xr = x + row * cols;
    const float* rr = residual != nullptr ? residual + row * cols : nullptr;
    float* yr = y + row * cols;
    // Pass 1: y = x + residual (exact aliasing is safe: element-wise).
    if (rr != nullptr || yr != xr) {
      size_t i = 0;
      for (; i + N <= cols; i += N) {
        AddStep(d, xr, rr, i, yr);
      }
      for (; i < cols; ++i) AddStep(d1, xr, rr, i, yr);
    }
    // Pass 2/3: two-pass mean and biased variance (numerically stable).
    const float mean = SumRow(yr, cols) / static_cast<float>(cols);
    const float var = SumSqDev(yr, mean, cols) / static_cast<float>(cols);
    const float inv = 1.0f / std::sqrt(var + eps);
    // Pass 4: y = (y - mean) * inv * gamma + beta.
    const auto vm = hn::Set(d, mean);
    const auto vi = hn::Set(d, inv);
    size_t i = 0;
    for (; i + N <= cols; i += N) {
      const auto n = hn::Mul(hn::Sub(hn::LoadU(d, yr + i), vm), vi);
      hn::StoreU(hn::MulAdd(n, hn::LoadU(d, gamma + i), hn::LoadU(d, beta + i)),
                 d, yr + i);
    }
    const auto vm1 = hn::Set(d1, mean);
    const auto vi1 = hn::Set(d1, inv);
    for (; i < cols; ++i) {
      const auto n = hn::Mul(hn::Sub(hn::LoadU(d1, yr + i), vm1), vi1);
      hn::StoreU(
          hn::MulAdd(n, hn::LoadU(d1, gamma + i), hn::LoadU(d1, beta + i)), d1,
          yr + i);
    }
  }
}

// GELU(v) = 0.5 v (1 + erf(v / sqrt(2))). With a = |v| / sqrt(2) and
// q = erfc(a) from Abramowitz & Stegun 7.1.26:
//   erfc(a) ~= (a1 t + a2 t^2 + a3 t^3 + a4 t^4 + a5 t^5) exp(-a^2),
//   t = 1 / (1 + p a), |error| <= 1.5e-7 for a >= 0,
// GELU(v) = v - 0.5 v q for v >= 0 and 0.5 v q for v < 0. Computing erfc
// directly avoids the cancellation of 1 + erf(v / sqrt(2)) for v < 0.
// a is clamped to 10 (erfc(10) ~ 2e-45 underflows f32), which keeps Exp in
// range for any finite input.
template <class D, class V>
HWY_INLINE V GeluErf(D d, V v) {
  const auto a = hn::Min(hn::Mul(hn::Abs(v), hn::Set(d, 0.70710678118654752f)),
                         hn::Set(d, 10.0f));
  const auto t = hn::Div(hn::Set(d, 1.0f), hn::MulAdd(hn::Set(d, 0.3275911f), a,
                                                      hn::Set(d, 1.0f)));
  auto poly = hn::Set(d, 1.061405429f);
  poly = hn::MulAdd(poly, t, hn::Set(d, -1.453152027f));
  poly = hn::MulAdd(poly, t, hn::Set(d, 1.421413741f));
  poly = hn::MulAdd(poly, t, hn::Set(d, -0.284496736f));
  poly = hn::MulAdd(poly, t, hn::Set(d, 0.254829592f));
  poly = hn::Mul(poly, t);
  const auto q = hn::Mul(poly, hn::Exp(d, hn::Neg(hn::Mul(a, a))));
  const auto half_vq = hn::Mul(hn::Mul(hn::Set(d, 0.5f), v), q);
  return hn::IfThenElse(hn::Lt(v, hn::Zero(d)), half_vq, hn::Sub(v, half_vq));
}

void BiasGeluErfImpl(float* x, const float* bias, size_t rows, size_t cols) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  for (size_t row = 0; row < rows; ++row) {
    float* xr = x + row * cols;
    size_t i = 0;
    for (; i + N <= cols; i += N) {
      auto v = hn::LoadU(d, xr + i);
      if (bias != nullptr) v = hn::Add(v, hn::LoadU(d, bias + i));
      hn::StoreU(GeluErf(d, v), d, xr + i);
    }
    for (; i < cols; ++i) {
      auto v = hn::LoadU(d1, xr + i);
      if (bias != nullptr) v = hn::Add(v, hn::LoadU(d1, bias + i));
      hn::StoreU(GeluErf(d1, v), d1, xr + i);
    }
  }
}

// Max of x[0, n), n >= 1.
HWY_INLINE float MaxRow(const float* HWY_RESTRICT x, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  float m = x[0];
  size_t i = 0;
  if (n >= N) {
    auto vm = hn::LoadU(d, x);
    for (i = N; i + N <= n; i += N) vm = hn::Max(vm, hn::LoadU(d, x + i));
    m = hn::GetLane(hn::MaxOfLanes(d, vm));
  }
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// x[i] = exp(x[i] - max); returns the sum of the new values.
HWY_INLINE float ExpShiftRow(float* HWY_RESTRICT x, float max, size_t n) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  const auto vmax = hn::Set(d, max);
  auto acc = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vmax));
    acc = hn::Add(acc, e);
    hn::StoreU(e, d, x + i);
  }
  float sum = hn::GetLane(hn::SumOfLanes(d, acc));
  const auto vmax1 = hn::Set(d1, max);
  for (; i < n; ++i) {
    const auto e = hn::Exp(d1, hn::Sub(hn::LoadU(d1, x + i), vmax1));
    sum += hn::GetLane(e);
    hn::StoreU(e, d1, x + i);
  }
  return sum;
}

HWY_INLINE void ScaleRow(float* HWY_RESTRICT x, float s, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const auto vs = hn::Set(d, s);
  size_t i = 0;
  for (; i + N <= n; i += N)
    hn::StoreU(hn::Mul(hn::LoadU(d, x + i), vs), d, x + i);
  for (; i < n; ++i) x[i] *= s;
}

void SoftmaxRowsImpl(float* x, size_t rows, size_t cols) {
  if (cols == 0) return;
  for (size_t row = 0; row < rows; ++row) {
    float* xr = x + row * cols;
    const float sum = ExpShiftRow(xr, MaxRow(xr, cols), cols);
    ScaleRow(xr, 1.0f / sum, cols);
  }
}

// Dot product of a[0, n) and b[0, n).
HWY_INLINE float Dot(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                     size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    a0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), a0);
    a1 = hn::MulAdd(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N), a1);
  }
  for (; i + N <= n; i += N) {
    a0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), a0);
  }
  float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0, a1)));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// out[0, kVecs * Lanes(d)) = sum_j p[j] * v[j * v_stride + (same range)],
// kVecs (1..4) accumulators of tag D kept in registers over all j. Separate
// variables, not an array: sizeless SVE/RVV vectors cannot form arrays.
template <size_t kVecs, class D>
HWY_INLINE void WeightedRowSum(D d, const float* HWY_RESTRICT p,
                               const float* HWY_RESTRICT v, size_t v_stride,
                               size_t seq, float* HWY_RESTRICT out) {
  static_assert(kVecs >= 1 && kVecs <= 4, "kVecs in 1..4");
  const size_t N = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  for (size_t j = 0; j < seq; ++j) {
    const auto pj = hn::Set(d, p[j]);
    const float* vr = v + j * v_stride;
    a0 = hn::MulAdd(pj, hn::LoadU(d, vr), a0);
    if constexpr (kVecs > 1) a1 = hn::MulAdd(pj, hn::LoadU(d, vr + N), a1);
    if constexpr (kVecs > 2) a2 = hn::MulAdd(pj, hn::LoadU(d, vr + 2 * N), a2);
    if constexpr (kVecs > 3) a3 = hn::MulAdd(pj, hn::LoadU(d, vr + 3 * N), a3);
  }
  hn::StoreU(a0, d, out);
  if constexpr (kVecs > 1) hn::StoreU(a1, d, out + N);
  if constexpr (kVecs > 2) hn::StoreU(a2, d, out + 2 * N);
  if constexpr (kVecs > 3) hn::StoreU(a3, d, out + 3 * N);
}

// Largest head_dim that uses the transposed-K path (scratch is sized for it).
constexpr size_t kMaxTransposedHeadDim = 128;

// p[j0 + (0, kVecs * Lanes(d))] = (q . K^T[:, j]) * scale + mask[j], with
// kt = K^T (head_dim x seq, row stride seq), vectorized over keys j.
template <size_t kVecs, class D>
HWY_INLINE void ScoresBlock(D d, const float* HWY_RESTRICT q,
                            const float* HWY_RESTRICT kt, size_t seq,
                            size_t head_dim, float scale,
                            const float* HWY_RESTRICT mask, size_t j0,
                            float* HWY_RESTRICT p) {
  static_assert(kVecs >= 1 && kVecs <= 4, "kVecs in 1..4");
  const size_t N = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  for (size_t c = 0; c < head_dim; ++c) {
    const auto qc = hn::Set(d, q[c]);
    const float* row = kt + c * seq + j0;
    a0 = hn::MulAdd(qc, hn::LoadU(d, row), a0);
    if constexpr (kVecs > 1) a1 = hn::MulAdd(qc, hn::LoadU(d, row + N), a1);
    if constexpr (kVecs > 2) a2 = hn::MulAdd(qc, hn::LoadU(d, row + 2 * N), a2);
    if constexpr (kVecs > 3) a3 = hn::MulAdd(qc, hn::LoadU(d, row + 3 * N), a3);
  }
  const auto vs = hn::Set(d, scale);
  auto finish = [&](hn::Vec<D> a, size_t u) {
    const size_t j = j0 + u * N;
    hn::StoreU(mask != nullptr ? hn::MulAdd(a, vs, hn::LoadU(d, mask + j))
                               : hn::Mul(a, vs),
               d, p + j);
  };
  finish(a0, 0);
  if constexpr (kVecs > 1) finish(a1, 1);
  if constexpr (kVecs > 2) finish(a2, 2);
  if constexpr (kVecs > 3) finish(a3, 3);
}

// Scratch layout: [0, seq): scores of one query row; then, if head_dim <=
// kMaxTransposedHeadDim, K_h^T (head_dim x seq) so that scores are computed
// vectorized over keys without a horizontal reduction per key.
void AttentionImpl(const float* qkv, size_t qkv_stride, size_t seq,
                   size_t num_heads, size_t head_dim, float scale,
                   const float* mask_add, size_t head_begin, size_t head_end,
                   float* scratch, float* ctx, size_t ctx_stride) {
  if (seq == 0) return;
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  const size_t hidden = num_heads * head_dim;
  const bool transpose = head_dim <= kMaxTransposedHeadDim;
  float* HWY_RESTRICT p = scratch;  // seq scores of one query row.
  float* HWY_RESTRICT kt = scratch + seq;
  for (size_t h = head_begin; h < head_end; ++h) {
    const float* q = qkv + h * head_dim;
    const float* k = qkv + hidden + h * head_dim;
    const float* v = qkv + 2 * hidden + h * head_dim;
    if (transpose) {
      for (size_t j = 0; j < seq; ++j) {
        for (size_t c = 0; c < head_dim; ++c) {
          kt[c * seq + j] = k[j * qkv_stride + c];
        }
      }
    }
    for (size_t i = 0; i < seq; ++i) {
      const float* qi = q + i * qkv_stride;
      if (transpose) {
        size_t j = 0;
        for (; j + 4 * N <= seq; j += 4 * N) {
          ScoresBlock<4>(d, qi, kt, seq, head_dim, scale, mask_add, j, p);
        }
        for (; j + N <= seq; j += N) {
          ScoresBlock<1>(d, qi, kt, seq, head_dim, scale, mask_add, j, p);
        }
        for (; j < seq; ++j) {
          ScoresBlock<1>(d1, qi, kt, seq, head_dim, scale, mask_add, j, p);
        }
      } else {
        for (size_t j = 0; j < seq; ++j) {
          const float s = Dot(qi, k + j * qkv_stride, head_dim) * scale;
          p[j] = mask_add != nullptr ? s + mask_add[j] : s;
        }
      }
      const float sum = ExpShiftRow(p, MaxRow(p, seq), seq);
      ScaleRow(p, 1.0f / sum, seq);
      float* out = ctx + i * ctx_stride + h * head_dim;
      size_t c = 0;
      for (; c + 4 * N <= head_dim; c += 4 * N) {
        WeightedRowSum<4>(d, p, v + c, qkv_stride, seq, out + c);
      }
      for (; c + N <= head_dim; c += N) {
        WeightedRowSum<1>(d, p, v + c, qkv_stride, seq, out + c);
      }
      for (; c < head_dim; ++c) {
        WeightedRowSum<1>(d1, p, v + c, qkv_stride, seq, out + c);
      }
    }
  }
}

int64_t TargetImpl() { return HWY_TARGET; }

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(AddLayerNormImpl);
HWY_EXPORT(BiasGeluErfImpl);
HWY_EXPORT(SoftmaxRowsImpl);
HWY_EXPORT(AttentionImpl);
HWY_EXPORT(TargetImpl);

void AddLayerNorm(const float* x, const float* residual, const float* gamma,
                  const float* beta, float eps, size_t rows, size_t cols,
                  float* y) {
  if (cols == 0) return;
  HWY_DYNAMIC_DISPATCH(AddLayerNormImpl)
  (x, residual, gamma, beta, eps, rows, cols, y);
}

void BiasGeluErf(float* x, const float* bias, size_t rows, size_t cols) {
  HWY_DYNAMIC_DISPATCH(BiasGeluErfImpl)(x, bias, rows, cols);
}

void SoftmaxRows(float* x, size_t rows, size_t cols) {
  HWY_DYNAMIC_DISPATCH(SoftmaxRowsImpl)(x, rows, cols);
}

size_t AttentionScratchFloats(size_t seq) {
  // Scores row + K^T for head_dim <= kMaxTransposedHeadDim (same constant in
  // every target's namespace).
  return seq * (1 + HWY_NAMESPACE::kMaxTransposedHeadDim);
}

void Attention(const float* qkv, size_t qkv_stride, size_t seq,
               size_t num_heads, size_t head_dim, float scale,
               const float* mask_add, size_t head_begin, size_t head_end,
               float* scratch, float* ctx, size_t ctx_stride) {
  HWY_DYNAMIC_DISPATCH(AttentionImpl)
  (qkv, qkv_stride, seq, num_heads, head_dim, scale, mask_add, head_begin,
   head_end, scratch, ctx, ctx_stride);
}

const char* ActiveTargetName() {
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(TargetImpl)());
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
