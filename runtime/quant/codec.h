// The int8 quantization codec shared by the converter (quantize/) and the
// runtime (runtime/kernels/gemm_i8*). Header-only, scalar, deterministic: the
// converter packs weights with these functions and the runtime's SIMD kernels
// reproduce QuantizeRow bit-exactly.
//
// Rounding (everywhere): round half to even in f32 (std::nearbyint under the
// default FE_TONEAREST mode; the same as PyTorch torch.round and as
// hwy::NearestInt / cvtps2dq / fcvtns), then clamp to [-127, 127]. -128 is
// never produced, so the u8 = q + 128 trick below cannot overflow.
//
// GEMM weights (nn.Linear layout W[N, K], f32):
//   optional SmoothQuant factors s[K] (> 0): W'[n, k] = W[n, k] * s[k] (f32
//   multiply); the runtime then quantizes x'[k] = x[k] * inv_smooth[k] with
//   inv_smooth[k] = 1.0f / s[k] (f32 division, done once at model load).
//   Symmetric per output channel:
//     amax[n]  = max_k |W'[n, k]|
//     scale[n] = amax[n] / 127.0f                    (0 for an all-zero row)
//     q[n, k]  = clamp(round(W'[n, k] * (127.0f / amax[n])), -127, 127)
//                (q = 0 when amax[n] == 0)
//     weight_sums[n] = sum_k q[n, k]                 (int32, exact)
//   Real weight ~= scale[n] * q[n, k].
//
// Activations (per row / token, dynamic, symmetric), same formula:
//     amax = max_k |x'[k]|, row_scale = amax / 127.0f,
//     q[k] = clamp(round(x'[k] * (127.0f / amax)), -127, 127)
//   An all-zero row has row_scale 0 and q = 0, so its GEMM output is the bias.
//   The multiplier 127.0f / amax is one f32 division; q uses one f32 multiply
//   per element (x'[k] = x[k] * inv_smooth[k] first when smoothing is on).
//
// GEMM output: acc[m, n] = sum_k q_x[m, k] * q_w[n, k]  (int32, exact:
//   |acc| <= 127 * 127 * K; the VNNI kernel's intermediate u8 sum
//   acc + 128 * weight_sums[n] stays below 2^31 for K <= 65536), then
//   y[m, n] = float(acc[m, n]) * (row_scale[m] * scale[n]) + bias[n],
//   optionally followed by GELU (erf form).
//
// Packed weight layout "I8PackedK4" (schema Layout.I8PackedK4; stored in the
// model file and used zero-copy by every runtime target):
//   Kp = RoundUp(K, 4), Np = RoundUp(N, kI8PanelWidth) with kI8PanelWidth = 16
//   (one AVX-512 register of 16 int32 accumulators, four NEON int32x4).
//   Byte offset of q[n, k]:
//     (n / 16) * (Kp * 16)      panel: 16 output channels, all of K
//   + (k / 4) * 64              k-group: 4 consecutive k
//   + (n % 16) * 4              channel within the panel
//   + (k % 4)                   k within the group
//   i.e. each 64-byte (panel, k-group) block is one ZMM operand of vpdpbusd
//   against the broadcast 4 activation bytes of one row at that k-group.
//   Padding (k >= K or n >= N) is 0. Total size PackedI8Size(N, K) = Np * Kp.
//   scales / weight_sums have N entries (not padded). The model file places
//   the packed bytes at a 64-byte aligned offset; the kernels do not require
//   alignment.
//
// Embeddings: per row symmetric int8, the activation formula above applied to
// each table row (no smoothing), row-major q[rows, dim], scales[rows];
// dequantized value = scale[r] * q[r, d].
#ifndef EDGEBERT_RUNTIME_QUANT_CODEC_H_
#define EDGEBERT_RUNTIME_QUANT_CODEC_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgebert::quant {

inline constexpr size_t kI8PanelWidth = 16;  // NR: channels per panel.
inline constexpr size_t kI8KGroup = 4;       // k values per 32-bit group.
inline constexpr int kI8Max = 127;

// Padded dimensions of an I8PackedK4 weight.
struct I8PackedDims {
  size_t n = 0;         // logical output channels N.
  size_t k = 0;         // logical input channels K.
  size_t n_padded = 0;  // RoundUp(N, 16).
  size_t k_padded = 0;  // RoundUp(K, 4).
  size_t panels() const { return n_padded / kI8PanelWidth; }
  size_t k_groups() const { return k_padded / kI8KGroup; }
  // Bytes of one panel (16 channels x Kp).
  size_t panel_bytes() const { return k_padded * kI8PanelWidth; }
};

inline constexpr size_t RoundUpTo(size_t v, size_t m) {
  return (v + m - 1) / m * m;
}

inline I8PackedDims MakeI8PackedDims(size_t n, size_t k) {
  I8PackedDims d;
  d.n = n;
  d.k = k;
  d.n_padded = RoundUpTo(n, kI8PanelWidth);
  d.k_padded = RoundUpTo(k, kI8KGroup);
  return d;
}

// Bytes of the packed int8 weight of an N x K matrix.
inline size_t PackedI8Size(size_t n, size_t k) {
  return RoundUpTo(n, kI8PanelWidth) * RoundUpTo(k, kI8KGroup);
}

// Byte offset of q[n, k] in the I8PackedK4 layout with padded K `k_padded`.
inline size_t PackedI8Offset(size_t n, size_t k, size_t k_padded) {
  return (n / kI8PanelWidth) * (k_padded * kI8PanelWidth) +
         (k / kI8KGroup) * (kI8PanelWidth * kI8KGroup) +
         (n % kI8PanelWidth) * kI8KGroup + (k % kI8KGroup);
}

// round half to even, clamp to [-127, 127]; NaN gives 0 (converting NaN to
// an integer is undefined behaviour; a crafted model or an overflowing
// activation can produce it).
inline int8_t QuantizeValue(float v_times_multiplier) {
  if (std::isnan(v_times_multiplier)) return 0;
  float r = std::nearbyint(v_times_multiplier);
  r = std::min(std::max(r, -127.0f), 127.0f);
  return static_cast<int8_t>(r);
}

// Quantizes one row of `k` values: x'[i] = x[i] * inv_smooth[i] (inv_smooth
// may be null = no smoothing), q[i] per the activation formula above.
// Returns the row scale amax / 127 (0 for an all-zero row). q may not alias x.
inline float QuantizeRow(const float* x, size_t k, const float* inv_smooth,
                         int8_t* q) {
  float amax = 0.0f;
  for (size_t i = 0; i < k; ++i) {
    const float v = inv_smooth ? x[i] * inv_smooth[i] : x[i];
    amax = std::max(amax, std::fabs(v));
  }
  if (amax == 0.0f) {
    std::memset(q, 0, k);
    return 0.0f;
  }
  const float mult = 127.0f / amax;
  for (size_t i = 0; i < k; ++i) {
    const float v = inv_smooth ? x[i] * inv_smooth[i] : x[i];
    q[i] = QuantizeValue(v * mult);
  }
  return amax / 127.0f;
}

// Two-pass activations (a GEMM whose weight has quant.activation_passes 2):
// the first pass is QuantizeRow; the residual
//   r[i] = x'[i] - row_scale * q[i]   (f32 multiply, then f32 subtract)
// is quantized by QuantizeRow again (no smoothing), so that
// x' ~= row_scale * q + row_scale2 * q2, and the GEMM output is the sum of
// both passes' dequantized accumulators, then + bias and the activation.
// Writes r[0, k); r may not alias x. The multiply and the subtract must not
// be fused: every caller is compiled with -ffp-contract=off
// (runtime/CMakeLists.txt; GCC fuses them by default on Arm).
inline void ActivationResidual(const float* x, size_t k,
                               const float* inv_smooth, const int8_t* q,
                               float row_scale, float* r) {
  for (size_t i = 0; i < k; ++i) {
    const float v = inv_smooth ? x[i] * inv_smooth[i] : x[i];
    r[i] = v - row_scale * static_cast<float>(q[i]);
  }
}

// out[i] = scale * q[i].
inline void DequantizeRow(const int8_t* q, size_t k, float scale, float* out) {
  for (size_t i = 0; i < k; ++i) out[i] = scale * static_cast<float>(q[i]);
}

// Quantizes a row-major [rows, dim] table (embeddings) row by row.
// q: rows * dim int8, scales: rows floats.
inline void QuantizeEmbeddingRows(const float* e, size_t rows, size_t dim,
                                  int8_t* q, float* scales) {
  for (size_t r = 0; r < rows; ++r) {
    scales[r] = QuantizeRow(e + r * dim, dim, nullptr, q + r * dim);
  }
}

// Embeddings, converter side: like QuantizeEmbeddingRows, but each row's
// scale is the one of kClipCandidates clipping ratios c in [0.5, 1] (scale =
// c * amax / 127, values beyond +-127 * scale clamped) with the smallest
// squared reconstruction error sum_d (x[d] - scale * q[d])^2 (ties -> larger
// c). c = 1 is QuantizeRow's scale, so the error is never larger than
// QuantizeEmbeddingRows'. The runtime only reads q and scales: the format is
// the same.
inline void QuantizeEmbeddingRowsMse(const float* e, size_t rows, size_t dim,
                                     int8_t* q, float* scales) {
  constexpr int kClipCandidates = 26;  // c = 1, 0.98, ..., 0.5
  for (size_t r = 0; r < rows; ++r) {
    const float* x = e + r * dim;
    float amax = 0.0f;
    for (size_t i = 0; i < dim; ++i) amax = std::max(amax, std::fabs(x[i]));
    if (amax == 0.0f) {
      std::memset(q + r * dim, 0, dim);
      scales[r] = 0.0f;
      continue;
    }
    float best_scale = amax / 127.0f, best_mult = 127.0f / amax;
    double best_err = -1.0;
    for (int c = 0; c < kClipCandidates; ++c) {
      const float ratio = 1.0f - 0.02f * static_cast<float>(c);
      const float scale = ratio * amax / 127.0f;
      const float mult = 127.0f / (ratio * amax);
      double err = 0.0;
      for (size_t i = 0; i < dim; ++i) {
        const double d = static_cast<double>(x[i]) -
                         static_cast<double>(scale) *
                             static_cast<double>(QuantizeValue(x[i] * mult));
        err += d * d;
      }
      if (best_err < 0.0 || err < best_err) {
        best_err = err;
        best_scale = scale;
        best_mult = mult;
      }
    }
    for (size_t i = 0; i < dim; ++i) {
      q[r * dim + i] = QuantizeValue(x[i] * best_mult);
    }
    scales[r] = best_scale;
  }
}

// Quantizes and packs W[N, K] (row-major f32, nn.Linear layout) with optional
// smoothing s[K] (nullable). packed: PackedI8Size(n, k) bytes (fully written,
// padding zeroed); scales, weight_sums: n entries. No allocation.
inline void PackWeightsI8(const float* w, const float* smooth, size_t n,
                          size_t k, int8_t* packed, float* scales,
                          int32_t* weight_sums) {
  const size_t kp = RoundUpTo(k, kI8KGroup);
  std::memset(packed, 0, PackedI8Size(n, k));
  for (size_t r = 0; r < n; ++r) {
    const float* row = w + r * k;
    float amax = 0.0f;
    for (size_t i = 0; i < k; ++i) {
      const float v = smooth ? row[i] * smooth[i] : row[i];
      amax = std::max(amax, std::fabs(v));
    }
    int32_t sum = 0;
    if (amax > 0.0f) {
      const float mult = 127.0f / amax;
      for (size_t i = 0; i < k; ++i) {
        const float v = smooth ? row[i] * smooth[i] : row[i];
        const int8_t q = QuantizeValue(v * mult);
        packed[PackedI8Offset(r, i, kp)] = q;
        sum += q;
      }
    }
    scales[r] = amax / 127.0f;
    weight_sums[r] = sum;
  }
}

// Packs already quantized values q[N, K] (row-major; e.g. re-rounded by the
// converter) with PackWeightsI8's layout: packed fully written, padding
// zeroed; weight_sums[n] = sum_k q[n, k].
inline void PackQuantizedI8(const int8_t* q, size_t n, size_t k, int8_t* packed,
                            int32_t* weight_sums) {
  const size_t kp = RoundUpTo(k, kI8KGroup);
  std::memset(packed, 0, PackedI8Size(n, k));
  for (size_t r = 0; r < n; ++r) {
    int32_t sum = 0;
    for (size_t i = 0; i < k; ++i) {
      packed[PackedI8Offset(r, i, kp)] = q[r * k + i];
      sum += q[r * k + i];
    }
    weight_sums[r] = sum;
  }
}

// Inverse of the packing (quantized values only): q_out[N, K] row-major.
inline void UnpackWeightsI8(const int8_t* packed, size_t n, size_t k,
                            int8_t* q_out) {
  const size_t kp = RoundUpTo(k, kI8KGroup);
  for (size_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < k; ++i) {
      q_out[r * k + i] = packed[PackedI8Offset(r, i, kp)];
    }
  }
}

}  // namespace edgebert::quant

#endif  // EDGEBERT_RUNTIME_QUANT_CODEC_H_
