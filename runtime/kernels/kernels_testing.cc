// Test-only kernels (see kernels_testing.h). Highway skeleton: this file is
// re-included once per target by foreach_target.h.
#include "runtime/kernels/kernels_testing.h"

#include <cstddef>

// Order matters: foreach_target.h, then highway.h, then -inl.h headers.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/kernels_testing.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "runtime/kernels/det_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void ExpNonPositiveImpl(const float* x, size_t n, float* y) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(det::ExpNonPositive(d, hn::LoadU(d, x + i)), d, y + i);
  }
  for (; i < n; ++i) {
    hn::StoreU(det::ExpNonPositive(d1, hn::LoadU(d1, x + i)), d1, y + i);
  }
}

bool HasFmaImpl() { return HWY_NATIVE_FMA != 0; }

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(ExpNonPositiveImpl);
HWY_EXPORT(HasFmaImpl);

void ExpNonPositive(const float* x, size_t n, float* y) {
  HWY_DYNAMIC_DISPATCH(ExpNonPositiveImpl)(x, n, y);
}

bool ActiveTargetHasFma() { return HWY_DYNAMIC_DISPATCH(HasFmaImpl)(); }

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
