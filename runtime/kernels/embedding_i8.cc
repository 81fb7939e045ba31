// int8 embedding row dequantization (see embedding_i8.h). Highway skeleton:
// this file is re-included once per target by foreach_target.h.
#include "runtime/kernels/embedding_i8.h"

#include <cstddef>
#include <cstdint>

// Order matters: foreach_target.h, then highway.h.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/embedding_i8.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void DequantizeRowI8Impl(const int8_t* q, size_t dim, float scale, float* out) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const size_t nl = hn::Lanes(d);
  const auto vs = hn::Set(d, scale);
  size_t i = 0;
  for (; i + nl <= dim; i += nl) {
    const auto v = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, q + i)));
    hn::StoreU(hn::Mul(vs, v), d, out + i);
  }
  for (; i < dim; ++i) out[i] = scale * static_cast<float>(q[i]);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace edgebert::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(DequantizeRowI8Impl);

void DequantizeRowI8(const int8_t* q, size_t dim, float scale, float* out) {
  HWY_DYNAMIC_DISPATCH(DequantizeRowI8Impl)(q, dim, scale, out);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
