// Highway implementation of runtime/kernels/lstm.h (one skeleton, dynamic
// dispatch once per sequence).
#include "runtime/kernels/lstm.h"

#include <cstddef>
#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/lstm.cc"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include "runtime/kernels/det_math-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// z[c0, c0 + kV * Lanes(d)) += sum_k h[k] * r[k * ld + c0 + ...], k = 0..u-1
// in order, kV vectors kept in registers across k.
template <size_t kV, class D>
HWY_INLINE void AccumulateBlock(D d, const float* HWY_RESTRICT h, size_t u,
                                const float* HWY_RESTRICT r, size_t ld,
                                float* HWY_RESTRICT z) {
  static_assert(kV >= 1 && kV <= 4, "block of 1..4 vectors");
  const size_t N = hn::Lanes(d);
  auto a0 = hn::LoadU(d, z);
  auto a1 = kV > 1 ? hn::LoadU(d, z + N) : a0;
  auto a2 = kV > 2 ? hn::LoadU(d, z + 2 * N) : a0;
  auto a3 = kV > 3 ? hn::LoadU(d, z + 3 * N) : a0;
  for (size_t k = 0; k < u; ++k) {
    const auto hk = hn::Set(d, h[k]);
    const float* rk = r + k * ld;
    a0 = hn::MulAdd(hk, hn::LoadU(d, rk), a0);
    if constexpr (kV > 1) a1 = hn::MulAdd(hk, hn::LoadU(d, rk + N), a1);
    if constexpr (kV > 2) a2 = hn::MulAdd(hk, hn::LoadU(d, rk + 2 * N), a2);
    if constexpr (kV > 3) a3 = hn::MulAdd(hk, hn::LoadU(d, rk + 3 * N), a3);
  }
  hn::StoreU(a0, d, z);
  if constexpr (kV > 1) hn::StoreU(a1, d, z + N);
  if constexpr (kV > 2) hn::StoreU(a2, d, z + 2 * N);
  if constexpr (kV > 3) hn::StoreU(a3, d, z + 3 * N);
}

// z[0, n) += h[0, u) R (R row stride n).
HWY_INLINE void AddRecurrent(const float* HWY_RESTRICT h, size_t u,
                             const float* HWY_RESTRICT r, size_t n,
                             float* HWY_RESTRICT z) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const size_t N = hn::Lanes(d);
  size_t c = 0;
  for (; c + 4 * N <= n; c += 4 * N)
    AccumulateBlock<4>(d, h, u, r + c, n, z + c);
  for (; c + N <= n; c += N) AccumulateBlock<1>(d, h, u, r + c, n, z + c);
  for (; c < n; ++c) AccumulateBlock<1>(d1, h, u, r + c, n, z + c);
}

// c = sigmoid(f + 1) c + sigmoid(i) tanh(j); h = sigmoid(o) tanh(c), lanes
// [k, k + Lanes(d)) of the U units.
template <class D>
HWY_INLINE void GateStep(D d, const float* HWY_RESTRICT z, size_t u, size_t k,
                         float* HWY_RESTRICT c, float* HWY_RESTRICT h) {
  const auto i = det::Sigmoid(d, hn::LoadU(d, z + k));
  const auto j = det::Tanh(d, hn::LoadU(d, z + u + k));
  const auto f =
      det::Sigmoid(d, hn::Add(hn::LoadU(d, z + 2 * u + k), hn::Set(d, 1.0f)));
  const auto o = det::Sigmoid(d, hn::LoadU(d, z + 3 * u + k));
  const auto cn = hn::MulAdd(f, hn::LoadU(d, c + k), hn::Mul(i, j));
  hn::StoreU(cn, d, c + k);
  hn::StoreU(hn::Mul(o, det::Tanh(d, cn)), d, h + k);
}

void LstmSequenceImpl(const float* xz, size_t xz_stride, size_t t, size_t u,
                      const float* recurrent, bool backward, float* scratch,
                      float* h_out, size_t h_stride) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const size_t N = hn::Lanes(d);
  float* z = scratch;
  float* c = scratch + 4 * u;
  float* h = scratch + 5 * u;
  std::memset(c, 0, 2 * u * sizeof(float));  // c and h
  for (size_t step = 0; step < t; ++step) {
    const size_t s = backward ? t - 1 - step : step;
    std::memcpy(z, xz + s * xz_stride, 4 * u * sizeof(float));
    if (step > 0) AddRecurrent(h, u, recurrent, 4 * u, z);
    size_t k = 0;
    for (; k + N <= u; k += N) GateStep(d, z, u, k, c, h);
    for (; k < u; ++k) GateStep(d1, z, u, k, c, h);
    std::memcpy(h_out + s * h_stride, h, u * sizeof(float));
  }
}

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(LstmSequenceImpl);

size_t LstmScratchFloats(size_t units) { return 6 * units; }

void LstmSequence(const float* xz, size_t xz_stride, size_t t, size_t units,
                  const float* recurrent, bool backward, float* scratch,
                  float* h, size_t h_stride) {
  if (t == 0 || units == 0) return;
  HWY_DYNAMIC_DISPATCH(LstmSequenceImpl)
  (xz, xz_stride, t, units, recurrent, backward, scratch, h, h_stride);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
