// Activation quantization for the int8 GEMM (see quantize_i8.h), the codec's
// QuantizeRow vectorized. Highway skeleton: this file is re-included once per
// target by foreach_target.h.
#include "runtime/kernels/quantize_i8.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/quant/codec.h"

// Order matters: foreach_target.h, then highway.h.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/quantize_i8.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// amax of x[i] * inv_smooth[i] (or |x[i]|) over k.
HWY_INLINE float RowAbsMax(const float* x, const float* inv_smooth, size_t k) {
  const hn::ScalableTag<float> d;
  const size_t nl = hn::Lanes(d);
  auto vmax = hn::Zero(d);
  size_t i = 0;
  if (inv_smooth) {
    for (; i + nl <= k; i += nl) {
      const auto v = hn::Mul(hn::LoadU(d, x + i), hn::LoadU(d, inv_smooth + i));
      vmax = hn::Max(vmax, hn::Abs(v));
    }
  } else {
    for (; i + nl <= k; i += nl)
      vmax = hn::Max(vmax, hn::Abs(hn::LoadU(d, x + i)));
  }
  float amax = hn::GetLane(hn::MaxOfLanes(d, vmax));
  for (; i < k; ++i) {
    const float v = inv_smooth ? x[i] * inv_smooth[i] : x[i];
    amax = std::max(amax, std::fabs(v));
  }
  return amax;
}

// q[i] = clamp(round_half_even(x[i] * inv_smooth[i] * mult)), mult != 0.
HWY_INLINE void QuantizeWithMultiplier(const float* x, const float* inv_smooth,
                                       size_t k, float mult, int8_t* q) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const size_t nl = hn::Lanes(d);
  const auto vmult = hn::Set(d, mult);
  const auto lo = hn::Set(di, -127);
  const auto hi = hn::Set(di, 127);
  size_t i = 0;
  for (; i + nl <= k; i += nl) {
    auto v = hn::LoadU(d, x + i);
    if (inv_smooth) v = hn::Mul(v, hn::LoadU(d, inv_smooth + i));
    auto qi = hn::NearestInt(hn::Mul(v, vmult));
    qi = hn::Min(hn::Max(qi, lo), hi);
    hn::StoreU(hn::DemoteTo(d8, qi), d8, q + i);
  }
  for (; i < k; ++i) {
    const float v = inv_smooth ? x[i] * inv_smooth[i] : x[i];
    q[i] = quant::QuantizeValue(v * mult);
  }
}

HWY_INLINE float QuantizeRowVec(const float* x, size_t k,
                                const float* inv_smooth, int8_t* q) {
  const float amax = RowAbsMax(x, inv_smooth, k);
  if (amax == 0.0f) {
    std::memset(q, 0, k);
    return 0.0f;
  }
  QuantizeWithMultiplier(x, inv_smooth, k, 127.0f / amax, q);
  return amax / 127.0f;
}

void QuantizeActivationsImpl(const float* x, size_t m, size_t k,
                             size_t x_stride, const float* inv_smooth,
                             int8_t* xq, float* row_scales) {
  const size_t kp = quant::RoundUpTo(k, quant::kI8KGroup);
  for (size_t r = 0; r < m; ++r) {
    int8_t* q = xq + r * kp;
    row_scales[r] = QuantizeRowVec(x + r * x_stride, k, inv_smooth, q);
    for (size_t i = k; i < kp; ++i) q[i] = 0;
  }
}

void QuantizeActivationsTwoPassImpl(const float* x, size_t m, size_t k,
                                    size_t x_stride, const float* inv_smooth,
                                    int8_t* xq, float* row_scales,
                                    float* residual) {
  QuantizeActivationsImpl(x, m, k, x_stride, inv_smooth, xq, row_scales);
  const size_t kp = quant::RoundUpTo(k, quant::kI8KGroup);
  for (size_t r = 0; r < m; ++r) {
    quant::ActivationResidual(x + r * x_stride, k, inv_smooth, xq + r * kp,
                              row_scales[r], residual);
    int8_t* q = xq + (m + r) * kp;
    row_scales[m + r] = QuantizeRowVec(residual, k, nullptr, q);
    for (size_t i = k; i < kp; ++i) q[i] = 0;
  }
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace edgebert::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(QuantizeActivationsImpl);
HWY_EXPORT(QuantizeActivationsTwoPassImpl);

size_t QuantizedActivationStride(size_t k) {
  return quant::RoundUpTo(k, quant::kI8KGroup);
}
size_t QuantizedActivationBytes(size_t m, size_t k) {
  return m * QuantizedActivationStride(k);
}

void QuantizeActivations(const float* x, size_t m, size_t k, size_t x_stride,
                         const float* inv_smooth, int8_t* xq,
                         float* row_scales) {
  HWY_DYNAMIC_DISPATCH(QuantizeActivationsImpl)
  (x, m, k, x_stride, inv_smooth, xq, row_scales);
}

void QuantizeActivationsTwoPass(const float* x, size_t m, size_t k,
                                size_t x_stride, const float* inv_smooth,
                                int8_t* xq, float* row_scales,
                                float* residual) {
  HWY_DYNAMIC_DISPATCH(QuantizeActivationsTwoPassImpl)
  (x, m, k, x_stride, inv_smooth, xq, row_scales, residual);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
