#include "runtime/kernels/lstm_ref.h"

#include <cmath>
#include <vector>

#include "runtime/kernels/activation_ref.h"

namespace edgebert::kernels::ref {

void LstmSequence(const float* xz, size_t xz_stride, size_t t, size_t units,
                  const float* recurrent, bool backward, float* h_out,
                  size_t h_stride) {
  const size_t u = units;
  std::vector<double> c(u, 0.0), h(u, 0.0), z(4 * u);
  for (size_t step = 0; step < t; ++step) {
    const size_t s = backward ? t - 1 - step : step;
    for (size_t col = 0; col < 4 * u; ++col) {
      double acc = xz[s * xz_stride + col];
      for (size_t k = 0; k < u; ++k) acc += h[k] * recurrent[k * 4 * u + col];
      z[col] = acc;
    }
    for (size_t k = 0; k < u; ++k) {
      c[k] = Sigmoid(z[2 * u + k] + 1.0) * c[k] +
             Sigmoid(z[k]) * std::tanh(z[u + k]);
      h[k] = Sigmoid(z[3 * u + k]) * std::tanh(c[k]);
      h_out[s * h_stride + k] = static_cast<float>(h[k]);
    }
  }
}

}  // namespace edgebert::kernels::ref
