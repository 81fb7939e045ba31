#include "runtime/kernels/attention_i8_ref.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/quant/codec.h"

namespace edgebert::kernels::ref {
namespace {

// Per-row quantization of rows x[r * stride + c * col_stride], c < cols.
void QuantizeRows(const float* x, size_t rows, size_t cols, size_t stride,
                  size_t col_stride, std::vector<int8_t>* q,
                  std::vector<float>* scales) {
  q->assign(rows * cols, 0);
  scales->assign(rows, 0.0f);
  std::vector<float> row(cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) row[c] = x[r * stride + c * col_stride];
    (*scales)[r] =
        quant::QuantizeRow(row.data(), cols, nullptr, q->data() + r * cols);
  }
}

int32_t Dot(const int8_t* a, const int8_t* b, size_t n) {
  int32_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc += int32_t{a[i]} * int32_t{b[i]};
  return acc;
}

}  // namespace

float ExpNonPositive(float x) {
  if (!(x >= -64.0f)) return 0.0f;
  const float kShift = 12582912.0f;
  float kf = x * 1.44269504088896341f;
  kf = kf + kShift;
  kf = kf - kShift;
  float r = std::fma(-kf, 0.693359375f, x);
  r = std::fma(-kf, -2.12194440e-4f, r);
  float p = 1.0f / 5040.0f;
  p = std::fma(p, r, 1.0f / 720.0f);
  p = std::fma(p, r, 1.0f / 120.0f);
  p = std::fma(p, r, 1.0f / 24.0f);
  p = std::fma(p, r, 1.0f / 6.0f);
  p = std::fma(p, r, 0.5f);
  p = std::fma(p, r, 1.0f);
  p = std::fma(p, r, 1.0f);
  const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(kf) + 127)
                        << 23;
  float two_k;
  std::memcpy(&two_k, &bits, sizeof(two_k));
  return p * two_k;
}

float FixedSum(const float* x, size_t n) {
  float p[16] = {};
  for (size_t i = 0; i < n; ++i) p[i % 16] += x[i];
  for (size_t w = 8; w >= 1; w /= 2) {
    for (size_t j = 0; j < w; ++j) p[j] += p[j + w];
  }
  return p[0];
}

void AttentionI8(const float* qkv, size_t qkv_stride, size_t seq,
                 size_t num_heads, size_t head_dim, float scale,
                 const float* mask_add, size_t head_begin, size_t head_end,
                 float* ctx, size_t ctx_stride) {
  const size_t hidden = num_heads * head_dim, d = head_dim;
  std::vector<int8_t> qq, kq, vq, ph(seq), pl(seq);
  std::vector<float> qs, ks, vs, e(seq);
  for (size_t h = head_begin; h < head_end; ++h) {
    const float* q = qkv + h * d;
    QuantizeRows(q, seq, d, qkv_stride, 1, &qq, &qs);
    QuantizeRows(q + hidden, seq, d, qkv_stride, 1, &kq, &ks);
    for (float& s : ks) s *= scale;
    QuantizeRows(q + 2 * hidden, d, seq, 1, qkv_stride, &vq, &vs);
    for (size_t i = 0; i < seq; ++i) {
      float max = -HUGE_VALF;
      for (size_t j = 0; j < seq; ++j) {
        const int32_t acc = Dot(&qq[i * d], &kq[j * d], d);
        e[j] = static_cast<float>(acc) * (qs[i] * ks[j]) + 0.0f;
        if (mask_add != nullptr) e[j] += mask_add[j];
        max = std::fmax(max, e[j]);
      }
      for (size_t j = 0; j < seq; ++j) e[j] = ExpNonPositive(e[j] - max);
      const float sum = FixedSum(e.data(), seq);
      for (size_t j = 0; j < seq; ++j) {
        const float t = e[j] * 127.0f;
        const float hi = std::nearbyint(t);
        ph[j] = static_cast<int8_t>(hi);
        pl[j] = static_cast<int8_t>(std::nearbyint((t - hi) * 254.0f));
      }
      const float ps = (1.0f / 127.0f) / sum, pls = ps / 254.0f;
      for (size_t c = 0; c < d; ++c) {
        const int32_t hi = Dot(ph.data(), &vq[c * seq], seq);
        const int32_t lo = Dot(pl.data(), &vq[c * seq], seq);
        ctx[i * ctx_stride + h * d + c] =
            (static_cast<float>(hi) * (ps * vs[c]) + 0.0f) +
            (static_cast<float>(lo) * (pls * vs[c]) + 0.0f);
      }
    }
  }
}

}  // namespace edgebert::kernels::ref
