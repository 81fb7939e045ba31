#include "runtime/kernels/gemm_i8_ref.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "runtime/quant/codec.h"

namespace edgebert::kernels::ref {

void QuantizeActivationsRef(const float* x, size_t m, size_t k, size_t x_stride,
                            const float* inv_smooth, int8_t* xq,
                            float* row_scales) {
  const size_t kp = quant::RoundUpTo(k, quant::kI8KGroup);
  for (size_t r = 0; r < m; ++r) {
    int8_t* q = xq + r * kp;
    row_scales[r] = quant::QuantizeRow(x + r * x_stride, k, inv_smooth, q);
    std::memset(q + k, 0, kp - k);
  }
}

void QuantizeActivationsTwoPassRef(const float* x, size_t m, size_t k,
                                   size_t x_stride, const float* inv_smooth,
                                   int8_t* xq, float* row_scales) {
  QuantizeActivationsRef(x, m, k, x_stride, inv_smooth, xq, row_scales);
  const size_t kp = quant::RoundUpTo(k, quant::kI8KGroup);
  std::vector<float> r(k);
  for (size_t i = 0; i < m; ++i) {
    quant::ActivationResidual(x + i * x_stride, k, inv_smooth, xq + i * kp,
                              row_scales[i], r.data());
    QuantizeActivationsRef(r.data(), 1, k, k, nullptr, xq + (m + i) * kp,
                           row_scales + m + i);
  }
}

void GemmI8Int32Ref(const PackedWeightsI8View& w, const int8_t* xq, size_t m,
                    int32_t* acc, size_t acc_stride) {
  const size_t kp = quant::RoundUpTo(w.k, quant::kI8KGroup);
  for (size_t r = 0; r < m; ++r) {
    for (size_t c = 0; c < w.n; ++c) {
      int32_t sum = 0;
      for (size_t i = 0; i < w.k; ++i) {
        sum += static_cast<int32_t>(xq[r * kp + i]) *
               static_cast<int32_t>(w.packed[quant::PackedI8Offset(c, i, kp)]);
      }
      acc[r * acc_stride + c] = sum;
    }
  }
}

void GemmI8Ref(const PackedWeightsI8View& w, const int8_t* xq,
               const float* row_scales, size_t m, float* y, size_t y_stride,
               GemmI8Epilogue epilogue) {
  std::vector<int32_t> acc(m * w.n);
  GemmI8Int32Ref(w, xq, m, acc.data(), w.n);
  for (size_t r = 0; r < m; ++r) {
    for (size_t c = 0; c < w.n; ++c) {
      float v =
          static_cast<float>(acc[r * w.n + c]) * (row_scales[r] * w.scales[c]) +
          (w.bias ? w.bias[c] : 0.0f);
      if (epilogue == GemmI8Epilogue::kGeluErf) {
        v = 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
      } else if (epilogue == GemmI8Epilogue::kGeluTanh) {
        const double d = v;
        v = static_cast<float>(0.5 * d *
                               (1.0 + std::tanh(0.79788456080286536 *
                                                (d + 0.044715 * d * d * d))));
      } else if (epilogue == GemmI8Epilogue::kRelu) {
        v = v > 0.0f ? v : 0.0f;
      }
      y[r * y_stride + c] = v;
    }
  }
}

}  // namespace edgebert::kernels::ref
