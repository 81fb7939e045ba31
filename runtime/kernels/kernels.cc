// Highway implementation of runtime/kernels/kernels.h (one skeleton, dynamic
// dispatch once per call). Tails shorter than a vector are processed with a
// one-lane tag (CappedTag<float, 1>) so every target runs the same formula.
// Reductions, Exp and GELU come from det_math-inl.h, so the results are
// bit-identical on all FMA targets (contract there); the attention tiles
// accumulate sequentially over head_dim / keys with MulAdd, which is
// width-independent too.
#include "runtime/kernels/kernels.h"

#include <cmath>
#include <cstddef>
#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/kernels.cc"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include "runtime/kernels/det_math-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using D1 = hn::CappedTag<float, 1>;

// y[i, i + Lanes(d)) = x[...] + r[...] (r may be null); y may alias x or r.
template <class D>
HWY_INLINE void AddStep(D d, const float* x, const float* r, size_t i,
                        float* y) {
  auto v = hn::LoadU(d, x + i);
  if (r != nullptr) v = hn::Add(v, hn::LoadU(d, r + i));
  hn::StoreU(v, d, y + i);
}

void AddLayerNormImpl(const float* x, const float* residual, const float* gamma,
                      const float* beta, float eps, size_t rows, size_t cols,
                      float* y) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  for (size_t row = 0; row < rows; ++row) {
    const float* xr = x + row * cols;
    const float* rr = residual != nullptr ? residual + row * cols : nullptr;
    float* yr = y + row * cols;
    // Pass 1: y = x + residual (exact aliasing is safe: element-wise).
    if (rr != nullptr || yr != xr) {
      size_t i = 0;
      for (; i + N <= cols; i += N) {
        AddStep(d, xr, rr, i, yr);
      }
      for (; i < cols; ++i) AddStep(d1, xr, rr, i, yr);
    }
    // Pass 2/3: two-pass mean and biased variance (numerically stable).
    const float mean = det::FixedSum(yr, cols) / static_cast<float>(cols);
    const float var =
        det::FixedSumSqDev(yr, mean, cols) / static_cast<float>(cols);
    const float inv = 1.0f / std::sqrt(var + eps);
    // Pass 4: y = (y - mean) * inv * gamma + beta.
    const auto vm = hn::Set(d, mean);
    const auto vi = hn::Set(d, inv);
    size_t i = 0;
    for (; i + N <= cols; i += N) {
      const auto n = hn::Mul(hn::Sub(hn::LoadU(d, yr + i), vm), vi);
      hn::StoreU(hn::MulAdd(n, hn::LoadU(d, gamma + i), hn::LoadU(d, beta + i)),
                 d, yr + i);
    }
    const auto vm1 = hn::Set(d1, mean);
    const auto vi1 = hn::Set(d1, inv);
    for (; i < cols; ++i) {
      const auto n = hn::Mul(hn::Sub(hn::LoadU(d1, yr + i), vm1), vi1);
      hn::StoreU(
          hn::MulAdd(n, hn::LoadU(d1, gamma + i), hn::LoadU(d1, beta + i)), d1,
          yr + i);
    }
  }
}

void BiasGeluErfImpl(float* x, const float* bias, size_t rows, size_t cols) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  for (size_t row = 0; row < rows; ++row) {
    float* xr = x + row * cols;
    size_t i = 0;
    for (; i + N <= cols; i += N) {
      auto v = hn::LoadU(d, xr + i);
      if (bias != nullptr) v = hn::Add(v, hn::LoadU(d, bias + i));
      hn::StoreU(det::GeluErf(d, v), d, xr + i);
    }
    for (; i < cols; ++i) {
      auto v = hn::LoadU(d1, xr + i);
      if (bias != nullptr) v = hn::Add(v, hn::LoadU(d1, bias + i));
      hn::StoreU(det::GeluErf(d1, v), d1, xr + i);
    }
  }
}

// x[i] = exp(x[i] - max) (det::ExpNonPositive); returns the sum of the new
// values (det::FixedSum).
HWY_INLINE float ExpShiftRow(float* HWY_RESTRICT x, float max, size_t n) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  const auto vmax = hn::Set(d, max);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto e = det::ExpNonPositive(d, hn::Sub(hn::LoadU(d, x + i), vmax));
    hn::StoreU(e, d, x + i);
  }
  const auto vmax1 = hn::Set(d1, max);
  for (; i < n; ++i) {
    const auto e =
        det::ExpNonPositive(d1, hn::Sub(hn::LoadU(d1, x + i), vmax1));
    hn::StoreU(e, d1, x + i);
  }
  return det::FixedSum(x, n);
}

// Attention tiling. kTileRows query rows share every load of K^T and V; each
// score / context tile keeps kTileRows x kTileVecs accumulators in registers
// (16 on targets with 32 vector registers, 8 on 16-register x86 targets).
constexpr size_t kMaxTransposedHeadDim = 128;
constexpr size_t kTileRows = 4;
// Key padding granularity of the scratch sizing: a power of two >= Lanes of
// every target (HWY_MAX_BYTES / 4 <= 64), identical in all namespaces.
constexpr size_t kKeyPad = 64;
static_assert(HWY_MAX_BYTES / sizeof(float) <= kKeyPad,
              "AttentionScratchFloats pads keys to kKeyPad >= Lanes");
#if HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3
constexpr size_t kTileVecs = 2;
#else
constexpr size_t kTileVecs = 4;
#endif

// Declares accumulator a<r><v> = 0 for a 4 x 4 tile; unused ones are dead.
#define EB_ACC_ROW(r)                                                       \
  auto a##r##0 = hn::Zero(d), a##r##1 = hn::Zero(d), a##r##2 = hn::Zero(d), \
       a##r##3 = hn::Zero(d)
// a<r><v> += bcast * b<v> for v < kV, if r < kR.
#define EB_FMA_ROW(r, bcast)                                     \
  if constexpr (kR > r) {                                        \
    const auto br = hn::Set(d, bcast);                           \
    a##r##0 = hn::MulAdd(br, b0, a##r##0);                       \
    if constexpr (kV > 1) a##r##1 = hn::MulAdd(br, b1, a##r##1); \
    if constexpr (kV > 2) a##r##2 = hn::MulAdd(br, b2, a##r##2); \
    if constexpr (kV > 3) a##r##3 = hn::MulAdd(br, b3, a##r##3); \
  }
// Stores f(a<r><v>) to dst_row + v * N for v < kV, if r < kR.
#define EB_STORE_ROW(r, dst_row, f)                                        \
  if constexpr (kR > r) {                                                  \
    hn::StoreU(f(a##r##0, r), d, (dst_row));                               \
    if constexpr (kV > 1) hn::StoreU(f(a##r##1, r), d, (dst_row) + N);     \
    if constexpr (kV > 2) hn::StoreU(f(a##r##2, r), d, (dst_row) + 2 * N); \
    if constexpr (kV > 3) hn::StoreU(f(a##r##3, r), d, (dst_row) + 3 * N); \
  }

// Loads b<v> = src[v * N, (v + 1) * N) for v < kV (b0 for the others).
#define EB_LOAD_B(src)                                       \
  const auto b0 = hn::LoadU(d, (src));                       \
  const auto b1 = kV > 1 ? hn::LoadU(d, (src) + N) : b0;     \
  const auto b2 = kV > 2 ? hn::LoadU(d, (src) + 2 * N) : b0; \
  const auto b3 = kV > 3 ? hn::LoadU(d, (src) + 3 * N) : b0

// Raw scores of kR query rows against kV * Lanes(d) keys:
//   p[r * p_stride + u] = sum_c q[r * q_stride + c] * panel[c * w + u],
// panel = one packed K^T panel (head_dim x w, w = kV * Lanes(d)).
template <size_t kR, size_t kV, class D>
HWY_INLINE void ScoreTile(D d, const float* HWY_RESTRICT q, size_t q_stride,
                          const float* HWY_RESTRICT panel, size_t head_dim,
                          float* HWY_RESTRICT p, size_t p_stride) {
  static_assert(kR >= 1 && kR <= 4 && kV >= 1 && kV <= 4, "tile <= 4 x 4");
  const size_t N = hn::Lanes(d);
  const size_t w = kV * N;
  EB_ACC_ROW(0);
  EB_ACC_ROW(1);
  EB_ACC_ROW(2);
  EB_ACC_ROW(3);
  for (size_t c = 0; c < head_dim; ++c) {
    EB_LOAD_B(panel + c * w);
    EB_FMA_ROW(0, q[c]);
    EB_FMA_ROW(1, q[q_stride + c]);
    EB_FMA_ROW(2, q[2 * q_stride + c]);
    EB_FMA_ROW(3, q[3 * q_stride + c]);
  }
  const auto id = [](hn::Vec<D> a, size_t) { return a; };
  EB_STORE_ROW(0, p, id);
  EB_STORE_ROW(1, p + p_stride, id);
  EB_STORE_ROW(2, p + 2 * p_stride, id);
  EB_STORE_ROW(3, p + 3 * p_stride, id);
}

// Context of kR query rows for kV * Lanes(d) columns of V:
//   out[r * out_stride + u] = inv_sum[r] * sum_{j < seq} p[r * p_stride + j]
//                                          * v[j * v_stride + u].
template <size_t kR, size_t kV, class D>
HWY_INLINE void ContextTile(D d, const float* HWY_RESTRICT p, size_t p_stride,
                            const float* HWY_RESTRICT v, size_t v_stride,
                            size_t seq, const float* HWY_RESTRICT inv_sum,
                            float* HWY_RESTRICT out, size_t out_stride) {
  static_assert(kR >= 1 && kR <= 4 && kV >= 1 && kV <= 4, "tile <= 4 x 4");
  const size_t N = hn::Lanes(d);
  EB_ACC_ROW(0);
  EB_ACC_ROW(1);
  EB_ACC_ROW(2);
  EB_ACC_ROW(3);
  for (size_t j = 0; j < seq; ++j) {
    EB_LOAD_B(v + j * v_stride);
    EB_FMA_ROW(0, p[j]);
    EB_FMA_ROW(1, p[p_stride + j]);
    EB_FMA_ROW(2, p[2 * p_stride + j]);
    EB_FMA_ROW(3, p[3 * p_stride + j]);
  }
  const auto norm = [&](hn::Vec<D> a, size_t r) {
    return hn::Mul(a, hn::Set(d, inv_sum[r]));
  };
  EB_STORE_ROW(0, out, norm);
  EB_STORE_ROW(1, out + out_stride, norm);
  EB_STORE_ROW(2, out + 2 * out_stride, norm);
  EB_STORE_ROW(3, out + 3 * out_stride, norm);
}

#undef EB_ACC_ROW
#undef EB_FMA_ROW
#undef EB_STORE_ROW
#undef EB_LOAD_B

// x[i] = x[i] * scale + mask[i] (mask may be null); returns max_i x[i].
HWY_INLINE float ScaleMaskMaxRow(float* HWY_RESTRICT x, float scale,
                                 const float* HWY_RESTRICT mask, size_t n) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  auto vmax = hn::Set(d, -HUGE_VALF);
  auto vmax1 = hn::Set(d1, -HUGE_VALF);
  const auto vs = hn::Set(d, scale);
  const auto vs1 = hn::Set(d1, scale);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    auto s = hn::Mul(hn::LoadU(d, x + i), vs);
    if (mask != nullptr) s = hn::Add(s, hn::LoadU(d, mask + i));
    vmax = hn::Max(vmax, s);
    hn::StoreU(s, d, x + i);
  }
  for (; i < n; ++i) {
    auto s = hn::Mul(hn::LoadU(d1, x + i), vs1);
    if (mask != nullptr) s = hn::Add(s, hn::LoadU(d1, mask + i));
    vmax1 = hn::Max(vmax1, s);
    hn::StoreU(s, d1, x + i);
  }
  const float m = hn::GetLane(hn::MaxOfLanes(d, vmax));
  const float m1 = hn::GetLane(vmax1);
  return m > m1 ? m : m1;
}

// ContextTile<kR, nv> for a run-time nv in [1, kTileVecs].
template <size_t kR, class D>
HWY_INLINE void ContextTileN(D d, size_t nv, const float* HWY_RESTRICT p,
                             size_t p_stride, const float* HWY_RESTRICT v,
                             size_t v_stride, size_t seq,
                             const float* HWY_RESTRICT inv_sum,
                             float* HWY_RESTRICT out, size_t out_stride) {
  if (kTileVecs > 3 && nv >= 4) {
    ContextTile<kR, kTileVecs>(d, p, p_stride, v, v_stride, seq, inv_sum, out,
                               out_stride);
  } else if (kTileVecs > 2 && nv == 3) {
    ContextTile<kR, 3>(d, p, p_stride, v, v_stride, seq, inv_sum, out,
                       out_stride);
  } else if (nv >= 2) {
    ContextTile<kR, 2>(d, p, p_stride, v, v_stride, seq, inv_sum, out,
                       out_stride);
  } else {
    ContextTile<kR, 1>(d, p, p_stride, v, v_stride, seq, inv_sum, out,
                       out_stride);
  }
}

// ctx rows [0, kR) = softmax rows of p (raw scores, row stride p_stride,
// `seq` valid columns) times V, over all head_dim columns. V rows hold
// v_cols >= head_dim floats: v_cols is head_dim, or head_dim rounded up to
// Lanes(d) with zero columns past head_dim (PackValuesPadded); columns in
// [head_dim, v_cols) are computed but never stored.
template <size_t kR>
HWY_INLINE void SoftmaxContextRows(float* HWY_RESTRICT p, size_t p_stride,
                                   const float* HWY_RESTRICT v, size_t v_stride,
                                   size_t v_cols, size_t seq, size_t head_dim,
                                   float scale, const float* HWY_RESTRICT mask,
                                   float* HWY_RESTRICT out, size_t out_stride) {
  const DF d;
  const D1 d1;
  const size_t N = hn::Lanes(d);
  float inv_sum[kR];
  for (size_t r = 0; r < kR; ++r) {
    float* pr = p + r * p_stride;
    const float max = ScaleMaskMaxRow(pr, scale, mask, seq);
    inv_sum[r] = 1.0f / ExpShiftRow(pr, max, seq);
  }
  size_t c = 0;
  while (c + N <= v_cols) {
    const size_t nv = HWY_MIN(kTileVecs, (v_cols - c) / N);
    if (c + nv * N <= head_dim) {
      ContextTileN<kR>(d, nv, p, p_stride, v + c, v_stride, seq, inv_sum,
                       out + c, out_stride);
      c += nv * N;
      continue;
    }
    // The last tile ends in padding: compute it into `tile`, store the
    // head_dim - c valid columns.
    HWY_ALIGN float tile[kR * kTileVecs * kKeyPad];
    ContextTileN<kR>(d, nv, p, p_stride, v + c, v_stride, seq, inv_sum, tile,
                     nv * N);
    for (size_t r = 0; r < kR; ++r) {
      std::memcpy(out + r * out_stride + c, tile + r * nv * N,
                  (head_dim - c) * sizeof(float));
    }
    c = head_dim;
  }
  for (; c < head_dim; ++c) {
    ContextTile<kR, 1>(d1, p, p_stride, v + c, v_stride, seq, inv_sum, out + c,
                       out_stride);
  }
}

// 4 x 4 transpose: dst[r * dst_stride + u] = src[u * src_stride + r].
HWY_INLINE void Transpose4x4(const float* HWY_RESTRICT src, size_t src_stride,
                             float* HWY_RESTRICT dst, size_t dst_stride) {
#if HWY_TARGET == HWY_SCALAR
  for (size_t r = 0; r < 4; ++r) {
    for (size_t u = 0; u < 4; ++u)
      dst[r * dst_stride + u] = src[u * src_stride + r];
  }
#else
  const hn::CappedTag<float, 4> d4;
  const hn::Repartition<uint64_t, decltype(d4)> d64;
  const auto r0 = hn::LoadU(d4, src), r1 = hn::LoadU(d4, src + src_stride);
  const auto r2 = hn::LoadU(d4, src + 2 * src_stride);
  const auto r3 = hn::LoadU(d4, src + 3 * src_stride);
  // t0 = r00 r10 r01 r11, t1 = r20 r30 r21 r31, t2/t3 likewise for lanes 2, 3.
  const auto t0 = hn::BitCast(d64, hn::InterleaveLower(d4, r0, r1));
  const auto t1 = hn::BitCast(d64, hn::InterleaveLower(d4, r2, r3));
  const auto t2 = hn::BitCast(d64, hn::InterleaveUpper(d4, r0, r1));
  const auto t3 = hn::BitCast(d64, hn::InterleaveUpper(d4, r2, r3));
  hn::StoreU(hn::BitCast(d4, hn::InterleaveLower(d64, t0, t1)), d4, dst);
  hn::StoreU(hn::BitCast(d4, hn::InterleaveUpper(d64, t0, t1)), d4,
             dst + dst_stride);
  hn::StoreU(hn::BitCast(d4, hn::InterleaveLower(d64, t2, t3)), d4,
             dst + 2 * dst_stride);
  hn::StoreU(hn::BitCast(d4, hn::InterleaveUpper(d64, t2, t3)), d4,
             dst + 3 * dst_stride);
#endif
}

// Packs K_h^T (K row j = k + j * k_stride, head_dim floats) into key panels:
// keys [j0, j0 + w) with w = kTileVecs * N (or N for the last ones), j0 and
// w multiples of N, are stored at kt + j0 * head_dim as a head_dim x w
// row-major block, so that a score tile streams one contiguous panel. Keys in
// [seq, s_pad) are zero (s_pad = seq rounded up to N).
HWY_INLINE void PackKeysTransposed(const float* HWY_RESTRICT k, size_t k_stride,
                                   size_t seq, size_t s_pad, size_t head_dim,
                                   float* HWY_RESTRICT kt) {
  const size_t N = hn::Lanes(DF());
  for (size_t j0 = 0; j0 < s_pad;) {
    const size_t w = j0 + kTileVecs * N <= s_pad ? kTileVecs * N : N;
    float* panel = kt + j0 * head_dim;
    const size_t valid = seq > j0 ? (seq - j0 < w ? seq - j0 : w) : 0;
    const float* kp = k + j0 * k_stride;
    size_t u = 0;
    for (; u + 4 <= valid; u += 4) {
      size_t c = 0;
      for (; c + 4 <= head_dim; c += 4) {
        Transpose4x4(kp + u * k_stride + c, k_stride, panel + c * w + u, w);
      }
      for (; c < head_dim; ++c) {
        for (size_t uu = u; uu < u + 4; ++uu) {
          panel[c * w + uu] = kp[uu * k_stride + c];
        }
      }
    }
    for (; u < w; ++u) {
      for (size_t c = 0; c < head_dim; ++c) {
        panel[c * w + u] = u < valid ? kp[u * k_stride + c] : 0.0f;
      }
    }
    j0 += w;
  }
}

// Copies V_h rows (head_dim floats at v + j * v_stride) to vp as seq rows of
// d_pad floats, columns [head_dim, d_pad) zero, so that context tiles load
// whole vectors without reading the neighbouring head or past the buffer.
HWY_INLINE void PackValuesPadded(const float* HWY_RESTRICT v, size_t v_stride,
                                 size_t seq, size_t head_dim, size_t d_pad,
                                 float* HWY_RESTRICT vp) {
  for (size_t j = 0; j < seq; ++j) {
    std::memcpy(vp + j * d_pad, v + j * v_stride, head_dim * sizeof(float));
    std::memset(vp + j * d_pad + head_dim, 0,
                (d_pad - head_dim) * sizeof(float));
  }
}

// Scratch layout (floats), s_pad = seq rounded up to Lanes(d) <= kKeyPad:
// [0, kTileRows * s_pad): scores of one row tile (row stride s_pad); then,
// if head_dim <= kMaxTransposedHeadDim, packed K_h^T (s_pad * head_dim);
// then, if head_dim is not a multiple of Lanes(d) and the padded width
// d_pad fits the budget (head_dim + d_pad <= kMaxTransposedHeadDim),
// zero-padded V_h (seq * d_pad); otherwise V is read in place and its
// column tail one lane at a time.
void AttentionImpl(const float* qkv, size_t qkv_stride, size_t seq,
                   size_t num_heads, size_t head_dim, float scale,
                   const float* mask_add, size_t head_begin, size_t head_end,
                   float* scratch, float* ctx, size_t ctx_stride) {
  if (seq == 0) return;
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t hidden = num_heads * head_dim;
  const size_t s_pad = (seq + N - 1) / N * N;
  const size_t d_pad = (head_dim + N - 1) / N * N;
  float* HWY_RESTRICT p = scratch;
  float* HWY_RESTRICT kt = scratch + kTileRows * s_pad;
  for (size_t h = head_begin; h < head_end; ++h) {
    const float* q = qkv + h * head_dim;
    const float* k = qkv + hidden + h * head_dim;
    const float* v = qkv + 2 * hidden + h * head_dim;
    float* out = ctx + h * head_dim;
    if (head_dim > kMaxTransposedHeadDim) {
      // Rare shapes: one row at a time, scores by dot products.
      for (size_t i = 0; i < seq; ++i) {
        const float* qi = q + i * qkv_stride;
        for (size_t j = 0; j < seq; ++j) {
          p[j] = det::FixedDot(qi, k + j * qkv_stride, head_dim);
        }
        SoftmaxContextRows<1>(p, s_pad, v, qkv_stride, head_dim, seq, head_dim,
                              scale, mask_add, out + i * ctx_stride,
                              ctx_stride);
      }
      continue;
    }
    PackKeysTransposed(k, qkv_stride, seq, s_pad, head_dim, kt);
    const float* vt = v;  // V rows as the context tiles read them.
    size_t v_stride = qkv_stride, v_cols = head_dim;
    if (d_pad != head_dim && head_dim + d_pad <= kMaxTransposedHeadDim) {
      float* vp = kt + s_pad * head_dim;
      PackValuesPadded(v, qkv_stride, seq, head_dim, d_pad, vp);
      vt = vp;
      v_stride = v_cols = d_pad;
    }
    const size_t W = kTileVecs * N;
    size_t i = 0;
    for (; i + kTileRows <= seq; i += kTileRows) {
      const float* qi = q + i * qkv_stride;
      size_t j0 = 0;
      for (; j0 + W <= s_pad; j0 += W) {
        ScoreTile<kTileRows, kTileVecs>(d, qi, qkv_stride, kt + j0 * head_dim,
                                        head_dim, p + j0, s_pad);
      }
      for (; j0 < s_pad; j0 += N) {
        ScoreTile<kTileRows, 1>(d, qi, qkv_stride, kt + j0 * head_dim, head_dim,
                                p + j0, s_pad);
      }
      SoftmaxContextRows<kTileRows>(p, s_pad, vt, v_stride, v_cols, seq,
                                    head_dim, scale, mask_add,
                                    out + i * ctx_stride, ctx_stride);
    }
    for (; i < seq; ++i) {
      const float* qi = q + i * qkv_stride;
      size_t j0 = 0;
      for (; j0 + W <= s_pad; j0 += W) {
        ScoreTile<1, kTileVecs>(d, qi, qkv_stride, kt + j0 * head_dim, head_dim,
                                p + j0, s_pad);
      }
      for (; j0 < s_pad; j0 += N) {
        ScoreTile<1, 1>(d, qi, qkv_stride, kt + j0 * head_dim, head_dim, p + j0,
                        s_pad);
      }
      SoftmaxContextRows<1>(p, s_pad, vt, v_stride, v_cols, seq, head_dim,
                            scale, mask_add, out + i * ctx_stride, ctx_stride);
    }
  }
}

int64_t TargetImpl() { return HWY_TARGET; }

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(AddLayerNormImpl);
HWY_EXPORT(BiasGeluErfImpl);
HWY_EXPORT(AttentionImpl);
HWY_EXPORT(TargetImpl);

void AddLayerNorm(const float* x, const float* residual, const float* gamma,
                  const float* beta, float eps, size_t rows, size_t cols,
                  float* y) {
  if (cols == 0) return;
  HWY_DYNAMIC_DISPATCH(AddLayerNormImpl)
  (x, residual, gamma, beta, eps, rows, cols, y);
}

void BiasGeluErf(float* x, const float* bias, size_t rows, size_t cols) {
  HWY_DYNAMIC_DISPATCH(BiasGeluErfImpl)(x, bias, rows, cols);
}

size_t AttentionScratchFloats(size_t seq) {
  // Scores of one row tile + packed K^T for head_dim <=
  // kMaxTransposedHeadDim, with seq padded to kKeyPad >= Lanes of any target
  // (the constants are the same in every target's namespace).
  namespace hk = HWY_NAMESPACE;
  const size_t s_pad = (seq + hk::kKeyPad - 1) / hk::kKeyPad * hk::kKeyPad;
  return s_pad * (hk::kTileRows + hk::kMaxTransposedHeadDim);
}

void Attention(const float* qkv, size_t qkv_stride, size_t seq,
               size_t num_heads, size_t head_dim, float scale,
               const float* mask_add, size_t head_begin, size_t head_end,
               float* scratch, float* ctx, size_t ctx_stride) {
  HWY_DYNAMIC_DISPATCH(AttentionImpl)
  (qkv, qkv_stride, seq, num_heads, head_dim, scale, mask_add, head_begin,
   head_end, scratch, ctx, ctx_stride);
}

const char* ActiveTargetName() {
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(TargetImpl)());
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
