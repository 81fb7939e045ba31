#include "quantize/int8/gptq.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/quant/codec.h"

namespace edgebert {
namespace {

// Upper triangular u [k, k] row-major with A = U U^T, A = H + lambda I
// (only the upper triangle of h is read; h[i, i] == 0 -> A[i, i] = lambda).
// Column by column from the last: U[j, j] = sqrt(A[j, j] - sum_{m>j}
// U[j, m]^2), U[i, j] = (A[i, j] - sum_{m>j} U[i, m] U[j, m]) / U[j, j] for
// i < j. False if a pivot is not positive (A not positive definite).
bool ReverseCholesky(const float* h, size_t k, double lambda,
                     std::vector<double>* u_out) {
  std::vector<double>& u = *u_out;
  u.assign(k * k, 0.0);
  for (size_t jj = k; jj-- > 0;) {
    const double* uj = u.data() + jj * k;
    double d = static_cast<double>(h[jj * k + jj]) + lambda;
    for (size_t m = jj + 1; m < k; ++m) d -= uj[m] * uj[m];
    if (!(d > 0) || !std::isfinite(d)) return false;
    const double ujj = std::sqrt(d);
    u[jj * k + jj] = ujj;
    for (size_t i = 0; i < jj; ++i) {
      const double* ui = u.data() + i * k;
      double s = h[i * k + jj];
      for (size_t m = jj + 1; m < k; ++m) s -= ui[m] * uj[m];
      u[i * k + jj] = s / ujj;
    }
  }
  return true;
}

}  // namespace

Status GptqRound(const float* w, size_t rows, size_t k, const float* scales,
                 const float* hessian, double damp, int8_t* q) {
  if (!(damp > 0) || !std::isfinite(damp)) {
    return InvalidArgument("GPTQ damping " + std::to_string(damp) +
                           " must be a finite number > 0");
  }
  double diag_sum = 0;
  size_t live = 0;
  for (size_t i = 0; i < k; ++i) {
    const double d = hessian[i * k + i];
    if (!std::isfinite(d) || d < 0) {
      return InvalidArgument("GPTQ Hessian diagonal H[" + std::to_string(i) +
                             ", " + std::to_string(i) +
                             "] = " + std::to_string(d) +
                             " must be finite and >= 0 (H = X^T X)");
    }
    if (d > 0) {
      diag_sum += d;
      ++live;
    }
  }
  // Coefficients c[i, j] = U[j, i] / U[i, i], j < i (row-major, f32).
  std::vector<float> coef;
  if (live > 0) {
    double lambda = damp * diag_sum / static_cast<double>(live);
    std::vector<double> u;
    bool ok = false;
    for (int attempt = 0; attempt < 5 && !ok; ++attempt, lambda *= 10) {
      ok = ReverseCholesky(hessian, k, lambda, &u);
    }
    if (!ok) {
      return FailedPrecondition(
          "GPTQ: H + lambda I is not positive definite even with lambda = " +
          std::to_string(1e4 * damp) + " * mean diag(H)");
    }
    coef.assign(k * k, 0.0f);
    for (size_t i = 0; i < k; ++i) {
      const double uii = u[i * k + i];
      for (size_t j = 0; j < i; ++j) {
        coef[i * k + j] = static_cast<float>(u[j * k + i] / uii);
      }
    }
  }
  // Rows in tiles so that each coefficient row is reused from cache.
  constexpr size_t kTile = 16;
  std::vector<double> err(kTile * k);
  for (size_t r0 = 0; r0 < rows; r0 += kTile) {
    const size_t nt = std::min(kTile, rows - r0);
    std::fill(err.begin(), err.end(), 0.0);
    for (size_t i = 0; i < k; ++i) {
      const float* c = coef.empty() ? nullptr : coef.data() + i * k;
      for (size_t t = 0; t < nt; ++t) {
        const size_t row = r0 + t;
        double* e = err.data() + t * k;
        const float scale = scales[row];
        if (!(scale > 0)) {
          q[row * k + i] = 0;
          e[i] = w[row * k + i];
          continue;
        }
        double v = w[row * k + i];
        if (c != nullptr) {
          double fb = 0;
          for (size_t j = 0; j < i; ++j) fb += static_cast<double>(c[j]) * e[j];
          v += fb;
        }
        const int8_t qi =
            quant::QuantizeValue(static_cast<float>(v) * (1.0f / scale));
        q[row * k + i] = qi;
        e[i] = static_cast<double>(w[row * k + i]) -
               static_cast<double>(scale) * qi;
      }
    }
  }
  return Status::Ok();
}

}  // namespace edgebert
