#include "runtime/kernels/kernels_ref.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace edgebert::kernels::ref {

void AddLayerNorm(const float* x, const float* residual, const float* gamma,
                  const float* beta, float eps, size_t rows, size_t cols,
                  float* y) {
  std::vector<double> v(cols);
  for (size_t r = 0; r < rows; ++r) {
    double mean = 0;
    for (size_t c = 0; c < cols; ++c) {
      // The sum is rounded to float like PyTorch's (x + residual) tensor.
      const float s = residual != nullptr
                          ? x[r * cols + c] + residual[r * cols + c]
                          : x[r * cols + c];
      v[c] = s;
      mean += v[c];
    }
    mean /= static_cast<double>(cols);
    double var = 0;
    for (size_t c = 0; c < cols; ++c) var += (v[c] - mean) * (v[c] - mean);
    var /= static_cast<double>(cols);
    const double inv = 1.0 / std::sqrt(var + static_cast<double>(eps));
    for (size_t c = 0; c < cols; ++c) {
      y[r * cols + c] =
          static_cast<float>((v[c] - mean) * inv * gamma[c] + beta[c]);
    }
  }
}

void BiasGeluErf(float* x, const float* bias, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      const float v =
          bias != nullptr ? x[r * cols + c] + bias[c] : x[r * cols + c];
      const double vd = v;
      x[r * cols + c] =
          static_cast<float>(0.5 * vd * (1.0 + std::erf(vd / std::sqrt(2.0))));
    }
  }
}

void Attention(const float* qkv, size_t qkv_stride, size_t seq,
               size_t num_heads, size_t head_dim, float scale,
               const float* mask_add, size_t head_begin, size_t head_end,
               float* ctx, size_t ctx_stride) {
  const size_t hidden = num_heads * head_dim;
  std::vector<double> p(seq);
  for (size_t h = head_begin; h < head_end; ++h) {
    for (size_t i = 0; i < seq; ++i) {
      double max = -INFINITY;
      for (size_t j = 0; j < seq; ++j) {
        double s = 0;
        for (size_t c = 0; c < head_dim; ++c) {
          s += static_cast<double>(qkv[i * qkv_stride + h * head_dim + c]) *
               qkv[j * qkv_stride + hidden + h * head_dim + c];
        }
        s = s * scale + (mask_add != nullptr ? mask_add[j] : 0.0);
        p[j] = s;
        max = std::max(max, s);
      }
      double sum = 0;
      for (size_t j = 0; j < seq; ++j) {
        p[j] = std::exp(p[j] - max);
        sum += p[j];
      }
      for (size_t c = 0; c < head_dim; ++c) {
        double acc = 0;
        for (size_t j = 0; j < seq; ++j) {
          acc += p[j] * qkv[j * qkv_stride + 2 * hidden + h * head_dim + c];
        }
        ctx[i * ctx_stride + h * head_dim + c] = static_cast<float>(acc / sum);
      }
    }
  }
}

void GemmF32(const float* x, const float* w, const float* bias, size_t m,
             size_t k, size_t n, float* y) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double acc = bias != nullptr ? bias[j] : 0.0;
      for (size_t kk = 0; kk < k; ++kk) {
        acc += static_cast<double>(x[i * k + kk]) * w[j * k + kk];
      }
      y[i * n + j] = static_cast<float>(acc);
    }
  }
}

}  // namespace edgebert::kernels::ref
