// Highway implementation of runtime/kernels/activation.h. Tails shorter than
// a vector use a one-lane tag so every target runs the same formula.
#include "runtime/kernels/activation.h"

#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/activation.cc"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include "runtime/kernels/det_math-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// y[i] = f(x[i] + (bias ? bias[i] : 0)) for i < n.
template <class F>
HWY_INLINE void Map(const float* x, const float* bias, size_t n, float* y,
                    const F& f) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    auto v = hn::LoadU(d, x + i);
    if (bias != nullptr) v = hn::Add(v, hn::LoadU(d, bias + i));
    hn::StoreU(f(d, v), d, y + i);
  }
  for (; i < n; ++i) {
    auto v = hn::LoadU(d1, x + i);
    if (bias != nullptr) v = hn::Add(v, hn::LoadU(d1, bias + i));
    hn::StoreU(f(d1, v), d1, y + i);
  }
}

void BiasActivationImpl(float* x, const float* bias, size_t rows, size_t cols,
                        int act) {
  // One instantiation per activation: no per-vector branch.
  const auto rows_of = [&](const auto& f) {
    for (size_t r = 0; r < rows; ++r)
      Map(x + r * cols, bias, cols, x + r * cols, f);
  };
  switch (act) {
    case det::kActGeluErf:
      return rows_of([](auto d, auto v) { return det::GeluErf(d, v); });
    case det::kActGeluTanh:
      return rows_of([](auto d, auto v) { return det::GeluTanh(d, v); });
    case det::kActRelu:
      return rows_of([](auto d, auto v) { return hn::Max(v, hn::Zero(d)); });
    default:
      return rows_of([](auto, auto v) { return v; });
  }
}

void TanhImpl(const float* x, size_t n, float* y) {
  Map(x, nullptr, n, y, [](auto d, auto v) { return det::Tanh(d, v); });
}

void SigmoidImpl(const float* x, size_t n, float* y) {
  Map(x, nullptr, n, y, [](auto d, auto v) { return det::Sigmoid(d, v); });
}

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(BiasActivationImpl);
HWY_EXPORT(TanhImpl);
HWY_EXPORT(SigmoidImpl);

void BiasActivation(float* x, const float* bias, size_t rows, size_t cols,
                    Act act) {
  if (act == Act::kNone && bias == nullptr) return;
  HWY_DYNAMIC_DISPATCH(BiasActivationImpl)
  (x, bias, rows, cols, static_cast<int>(act));
}

void Tanh(const float* x, size_t n, float* y) {
  HWY_DYNAMIC_DISPATCH(TanhImpl)(x, n, y);
}

void Sigmoid(const float* x, size_t n, float* y) {
  HWY_DYNAMIC_DISPATCH(SigmoidImpl)(x, n, y);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
