#include "runtime/kernels/activation_ref.h"

#include <cmath>

namespace edgebert::kernels::ref {

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double Activate(double v, Act act) {
  switch (act) {
    case Act::kGeluErf:
      return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    case Act::kGeluTanh: {
      const double c = std::sqrt(2.0 / M_PI);
      return 0.5 * v * (1.0 + std::tanh(c * (v + 0.044715 * v * v * v)));
    }
    case Act::kRelu:
      return v > 0 ? v : 0.0;
    case Act::kNone:
      break;
  }
  return v;
}

void BiasActivation(float* x, const float* bias, size_t rows, size_t cols,
                    Act act) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      float* p = x + r * cols + c;
      const float v = bias != nullptr ? *p + bias[c] : *p;
      *p = static_cast<float>(Activate(v, act));
    }
  }
}

}  // namespace edgebert::kernels::ref
