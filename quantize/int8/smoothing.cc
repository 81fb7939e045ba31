#include "quantize/int8/smoothing.h"

#include <algorithm>
#include <cmath>

namespace edgebert {

std::vector<float> SmoothFactors(const std::vector<float>& x_absmax,
                                 const float* w, size_t n, size_t k,
                                 float alpha) {
  std::vector<float> w_absmax(k, 0.0f);
  for (size_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < k; ++i) {
      w_absmax[i] = std::max(w_absmax[i], std::fabs(w[r * k + i]));
    }
  }
  std::vector<float> s(k, 1.0f);
  for (size_t i = 0; i < k; ++i) {
    const double xa = x_absmax[i], wa = w_absmax[i];
    if (!(xa > 0) || !(wa > 0) || !std::isfinite(xa) || !std::isfinite(wa)) {
      continue;
    }
    const double v = std::pow(xa, alpha) / std::pow(wa, 1.0 - alpha);
    if (!std::isfinite(v) || !(v > 0)) continue;
    s[i] = static_cast<float>(
        std::min<double>(std::max<double>(v, kMinSmooth), kMaxSmooth));
  }
  return s;
}

}  // namespace edgebert
