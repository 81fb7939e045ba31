#include "quantize/int8/word_rounding.h"

#include "quantize/int8/gptq.h"

namespace edgebert {
namespace {

// d^T H d for d = x - scale * q.
double MappedError(const float* x, const int8_t* q, float scale, size_t e,
                   const std::vector<float>& hessian) {
  std::vector<double> d(e);
  for (size_t i = 0; i < e; ++i) {
    d[i] = static_cast<double>(x[i]) -
           static_cast<double>(scale) * static_cast<double>(q[i]);
  }
  double err = 0.0;
  for (size_t i = 0; i < e; ++i) {
    double row = 0.0;
    for (size_t j = 0; j < e; ++j) row += hessian[i * e + j] * d[j];
    err += d[i] * row;
  }
  return err;
}

}  // namespace

std::vector<float> MappedErrorHessian(const float* mapping, size_t h, size_t e,
                                      const float* gamma) {
  // G = diag(gamma) M^T M diag(gamma), then H = P G P.
  std::vector<double> g(e * e, 0.0);
  for (size_t r = 0; r < h; ++r) {
    const float* m = mapping + r * e;
    for (size_t i = 0; i < e; ++i) {
      const double mi = static_cast<double>(m[i]) * gamma[i];
      for (size_t j = 0; j < e; ++j) {
        g[i * e + j] += mi * static_cast<double>(m[j]) * gamma[j];
      }
    }
  }
  std::vector<double> row_mean(e, 0.0), col_mean(e, 0.0);
  double all_mean = 0.0;
  for (size_t i = 0; i < e; ++i) {
    for (size_t j = 0; j < e; ++j) {
      row_mean[i] += g[i * e + j] / e;
      col_mean[j] += g[i * e + j] / e;
      all_mean += g[i * e + j] / (static_cast<double>(e) * e);
    }
  }
  std::vector<float> out(e * e);
  for (size_t i = 0; i < e; ++i) {
    for (size_t j = 0; j < e; ++j) {
      out[i * e + j] = static_cast<float>(g[i * e + j] - row_mean[i] -
                                          col_mean[j] + all_mean);
    }
  }
  return out;
}

size_t RoundRowsThroughHessian(const float* table, size_t rows, size_t e,
                               const float* scales,
                               const std::vector<float>& hessian, int8_t* q) {
  std::vector<int8_t> g(rows * e);
  if (!GptqRound(table, rows, e, scales, hessian.data(), kGptqDamp, g.data())
           .ok()) {
    return 0;
  }
  size_t changed = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float* x = table + r * e;
    int8_t* qr = q + r * e;
    const int8_t* gr = g.data() + r * e;
    if (MappedError(x, gr, scales[r], e, hessian) <
        MappedError(x, qr, scales[r], e, hessian)) {
      for (size_t i = 0; i < e; ++i) qr[i] = gr[i];
      ++changed;
    }
  }
  return changed;
}

}  // namespace edgebert
