// int8 attention (attention_i8.h): the driver packs K_h and V_h^T per head
// into scratch and runs both products on kernels::GemmI8; the softmax
// numerator (mask, row max, det::ExpNonPositive, det::FixedSum) is the only
// per-target code here (Highway skeleton, this file re-included per target).
#include "runtime/kernels/attention_i8.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/quantize_i8.h"
#include "runtime/quant/codec.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/attention_i8.cc"
// clang-format off
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include "runtime/kernels/det_math-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// x[i] += mask[i] (mask may be null); returns max_i x[i].
template <class D>
HWY_INLINE float MaskMax(D d, float* HWY_RESTRICT x,
                         const float* HWY_RESTRICT mask, size_t n, size_t* i) {
  auto vmax = hn::Set(d, -HUGE_VALF);
  const size_t N = hn::Lanes(d);
  for (; *i + N <= n; *i += N) {
    auto s = hn::LoadU(d, x + *i);
    if (mask != nullptr) s = hn::Add(s, hn::LoadU(d, mask + *i));
    vmax = hn::Max(vmax, s);
    hn::StoreU(s, d, x + *i);
  }
  return hn::GetLane(hn::MaxOfLanes(d, vmax));
}

// x[i] = ExpNonPositive(x[i] - max) for i in [*i, n) in steps of Lanes(d).
template <class D>
HWY_INLINE void ExpShift(D d, float* HWY_RESTRICT x, float max, size_t n,
                         size_t* i) {
  const size_t N = hn::Lanes(d);
  const auto vmax = hn::Set(d, max);
  for (; *i + N <= n; *i += N) {
    hn::StoreU(det::ExpNonPositive(d, hn::Sub(hn::LoadU(d, x + *i), vmax)), d,
               x + *i);
  }
}

void MaskExpRowsImpl(float* x, size_t rows, size_t stride, size_t n,
                     const float* mask, float* sums) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  for (size_t r = 0; r < rows; ++r) {
    float* xr = x + r * stride;
    size_t i = 0;
    const float m = MaskMax(d, xr, mask, n, &i);
    const float m1 = MaskMax(d1, xr, mask, n, &i);
    const float max = m > m1 ? m : m1;
    i = 0;
    ExpShift(d, xr, max, n, &i);
    ExpShift(d1, xr, max, n, &i);
    sums[r] = det::FixedSum(xr, n);
  }
}

// Two-level int8 codes of probability rows e in [0, 1] (row max 1):
//   t = e * 127, hi = round(t), lo = round((t - hi) * 254)
// (t - hi is exact; round half to even), so e = (hi + lo / 254) / 127 with
// |error| <= 1 / (2 * 254 * 127). Rows of stride q_stride; bytes [n,
// q_stride) are zero.
template <class D>
HWY_INLINE void ProbCodes(D d, const float* HWY_RESTRICT e, size_t n,
                          int8_t* HWY_RESTRICT hi, int8_t* HWY_RESTRICT lo,
                          size_t* i) {
  const hn::Rebind<int8_t, D> d8;
  const size_t N = hn::Lanes(d);
  const auto k127 = hn::Set(d, 127.0f);
  const auto k254 = hn::Set(d, 254.0f);
  for (; *i + N <= n; *i += N) {
    const auto t = hn::Mul(hn::LoadU(d, e + *i), k127);
    const auto h = hn::NearestInt(t);
    const auto r = hn::Mul(hn::Sub(t, hn::ConvertTo(d, h)), k254);
    hn::StoreU(hn::DemoteTo(d8, h), d8, hi + *i);
    hn::StoreU(hn::DemoteTo(d8, hn::NearestInt(r)), d8, lo + *i);
  }
}

void ProbCodesRowsImpl(const float* e, size_t rows, size_t e_stride, size_t n,
                       int8_t* hi, int8_t* lo, size_t q_stride) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  for (size_t r = 0; r < rows; ++r) {
    size_t i = 0;
    int8_t* hr = hi + r * q_stride;
    int8_t* lr = lo + r * q_stride;
    ProbCodes(d, e + r * e_stride, n, hr, lr, &i);
    ProbCodes(d1, e + r * e_stride, n, hr, lr, &i);
    for (; i < q_stride; ++i) hr[i] = lr[i] = 0;
  }
}

// q[r * q_stride + c] = clamp(round(x[r * x_stride + c] * mult[c])) for
// c < cols (quantize_i8.cc's QuantizeWithMultiplier with a per-column
// multiplier; the tail uses quant::QuantizeValue).
// Columns [cols, q_stride) of q are zeroed; sums[c] += q[r, c] over rows.
void QuantizeColumnsImpl(const float* x, size_t rows, size_t cols,
                         size_t x_stride, const float* mult, int8_t* q,
                         size_t q_stride, int32_t* sums) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const size_t N = hn::Lanes(d);
  const auto lo = hn::Set(di, -127);
  const auto hi = hn::Set(di, 127);
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * x_stride;
    int8_t* qr = q + r * q_stride;
    size_t c = 0;
    for (; c + N <= cols; c += N) {
      auto qi =
          hn::NearestInt(hn::Mul(hn::LoadU(d, xr + c), hn::LoadU(d, mult + c)));
      qi = hn::Min(hn::Max(qi, lo), hi);
      hn::StoreU(hn::DemoteTo(d8, qi), d8, qr + c);
      hn::StoreU(hn::Add(hn::LoadU(di, sums + c), qi), di, sums + c);
    }
    for (; c < cols; ++c) {
      qr[c] = quant::QuantizeValue(xr[c] * mult[c]);
      sums[c] += qr[c];
    }
    for (; c < q_stride; ++c) qr[c] = 0;
  }
}

// Packs the rows x cols int8 matrix q (row stride q_stride, rows and cols
// multiples of 4 and 16, zero padded) transposed in the I8PackedK4 layout
// (codec.h) of a cols x rows weight: each 4-row x 16-column block becomes
// one 64-byte (panel, k-group) block, column-major in 4-byte groups.
void PackTransposedImpl(const int8_t* q, size_t q_stride, size_t rows,
                        size_t cols, int8_t* packed) {
  const size_t panel = rows * quant::kI8PanelWidth;
#if HWY_TARGET == HWY_SCALAR
  for (size_t j = 0; j < rows; ++j) {
    for (size_t c = 0; c < cols; ++c) {
      packed[quant::PackedI8Offset(c, j, rows)] = q[j * q_stride + c];
    }
  }
  (void)panel;
#else
  const hn::CappedTag<int8_t, 16> d8;
  const hn::Repartition<int16_t, decltype(d8)> d16;
  for (size_t j = 0; j < rows; j += quant::kI8KGroup) {
    const int8_t* r = q + j * q_stride;
    int8_t* dst = packed + j * quant::kI8PanelWidth;
    for (size_t c = 0; c < cols; c += 16, dst += panel) {
      const auto r0 = hn::LoadU(d8, r + c);
      const auto r1 = hn::LoadU(d8, r + q_stride + c);
      const auto r2 = hn::LoadU(d8, r + 2 * q_stride + c);
      const auto r3 = hn::LoadU(d8, r + 3 * q_stride + c);
      // Byte pairs (r0, r1) and (r2, r3) per column, then 16-bit pairs.
      const auto a = hn::BitCast(d16, hn::InterleaveLower(d8, r0, r1));
      const auto b = hn::BitCast(d16, hn::InterleaveUpper(d8, r0, r1));
      const auto e = hn::BitCast(d16, hn::InterleaveLower(d8, r2, r3));
      const auto f = hn::BitCast(d16, hn::InterleaveUpper(d8, r2, r3));
      hn::StoreU(hn::BitCast(d8, hn::InterleaveLower(d16, a, e)), d8, dst);
      hn::StoreU(hn::BitCast(d8, hn::InterleaveUpper(d16, a, e)), d8, dst + 16);
      hn::StoreU(hn::BitCast(d8, hn::InterleaveLower(d16, b, f)), d8, dst + 32);
      hn::StoreU(hn::BitCast(d8, hn::InterleaveUpper(d16, b, f)), d8, dst + 48);
    }
  }
#endif
}

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {
namespace {

HWY_EXPORT(MaskExpRowsImpl);
HWY_EXPORT(ProbCodesRowsImpl);
HWY_EXPORT(QuantizeColumnsImpl);
HWY_EXPORT(PackTransposedImpl);

// Query rows per softmax / PV block (bounds the score scratch).
constexpr size_t kRowBlock = 32;
constexpr size_t kAlign = 64;

size_t AlignUp(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

// Slices of the scratch for one head at (seq, head_dim); see Carve().
struct Scratch {
  int8_t *qq, *kq, *kpack, *vq, *vpack;
  int8_t* pq;  // 2 x rows codes: rows high, then rows low ones
  float *qs, *ks, *vmult, *vs, *scores, *sums;
  float *ps, *ctx2;  // their row scales; their two partial contexts
  int32_t *ksum, *vsum;
  size_t score_stride;
};

// Lays the slices out from `base` (null: only sizes); returns the bytes.
size_t Carve(size_t seq, size_t head_dim, uint8_t* base, Scratch* s) {
  const size_t kp = quant::RoundUpTo(head_dim, quant::kI8KGroup);
  const size_t sp = quant::RoundUpTo(seq, quant::kI8KGroup);
  const size_t s16 = quant::RoundUpTo(seq, quant::kI8PanelWidth);
  s->score_stride = s16;
  size_t off = 0;
  const auto take = [&](size_t bytes) {
    uint8_t* p = base == nullptr ? nullptr : base + off;
    off += AlignUp(bytes);
    return p;
  };
  s->qq = reinterpret_cast<int8_t*>(take(seq * kp));
  s->qs = reinterpret_cast<float*>(take(seq * sizeof(float)));
  s->kq = reinterpret_cast<int8_t*>(take(seq * kp));
  s->ks = reinterpret_cast<float*>(take(seq * sizeof(float)));
  s->kpack = reinterpret_cast<int8_t*>(take(quant::PackedI8Size(seq, kp)));
  s->ksum = reinterpret_cast<int32_t*>(take(seq * sizeof(int32_t)));
  s->vmult = reinterpret_cast<float*>(take(head_dim * sizeof(float)));
  s->vq = reinterpret_cast<int8_t*>(
      take(sp * quant::RoundUpTo(head_dim, quant::kI8PanelWidth)));
  s->vs = reinterpret_cast<float*>(take(head_dim * sizeof(float)));
  s->vpack = reinterpret_cast<int8_t*>(take(quant::PackedI8Size(head_dim, sp)));
  s->vsum = reinterpret_cast<int32_t*>(take(head_dim * sizeof(int32_t)));
  s->scores = reinterpret_cast<float*>(take(kRowBlock * s16 * sizeof(float)));
  s->pq = reinterpret_cast<int8_t*>(take(2 * kRowBlock * sp));
  s->ps = reinterpret_cast<float*>(take(2 * kRowBlock * sizeof(float)));
  s->ctx2 =
      reinterpret_cast<float*>(take(2 * kRowBlock * head_dim * sizeof(float)));
  s->sums = reinterpret_cast<float*>(take(kRowBlock * sizeof(float)));
  return off;
}

// A packed n x k weight without bias.
PackedWeightsI8View View(const int8_t* packed, const float* scales,
                         const int32_t* sums, size_t n, size_t k) {
  PackedWeightsI8View w;
  w.packed = packed;
  w.scales = scales;
  w.weight_sums = sums;
  w.n = n;
  w.k = k;
  return w;
}

// Quantizes K_h per token (scales times `scale`) and packs it as the
// seq x head_dim weight of the score GEMM.
PackedWeightsI8View PackKeys(const float* k, size_t stride, size_t seq,
                             size_t head_dim, float scale, const Scratch& s) {
  const size_t kp = quant::RoundUpTo(head_dim, quant::kI8KGroup);
  QuantizeActivations(k, seq, head_dim, stride, nullptr, s.kq, s.ks);
  // Whole 4-byte k-groups move at once (codec.h layout); keys past seq in
  // the last panel stay zero.
  const size_t panel = kp * quant::kI8PanelWidth;
  const size_t s16 = quant::RoundUpTo(seq, quant::kI8PanelWidth);
  std::memset(s.kpack + (s16 - quant::kI8PanelWidth) * kp, 0, panel);
  for (size_t j = 0; j < seq; ++j) {
    s.ks[j] *= scale;
    const int8_t* row = s.kq + j * kp;
    int8_t* dst = s.kpack + (j / quant::kI8PanelWidth) * panel +
                  (j % quant::kI8PanelWidth) * quant::kI8KGroup;
    int32_t sum = 0;
    for (size_t g = 0; g < kp; g += quant::kI8KGroup) {
      std::memcpy(dst + g * quant::kI8PanelWidth, row + g, quant::kI8KGroup);
      sum += row[g] + row[g + 1] + row[g + 2] + row[g + 3];
    }
    s.ksum[j] = sum;
  }
  return View(s.kpack, s.ks, s.ksum, seq, head_dim);
}

// Quantizes V_h per channel (rows of V_h^T) and packs V_h^T as the
// head_dim x seq weight of the context GEMM.
PackedWeightsI8View PackValues(const float* v, size_t stride, size_t seq,
                               size_t head_dim, const Scratch& s) {
  const size_t sp = quant::RoundUpTo(seq, quant::kI8KGroup);
  // quant::QuantizeRow of each column, read row by row.
  float* amax = s.vs;
  for (size_t c = 0; c < head_dim; ++c) amax[c] = 0.0f;
  for (size_t j = 0; j < seq; ++j) {
    const float* row = v + j * stride;
    for (size_t c = 0; c < head_dim; ++c) {
      const float a = std::fabs(row[c]);
      amax[c] = a > amax[c] ? a : amax[c];
    }
  }
  for (size_t c = 0; c < head_dim; ++c) {
    s.vmult[c] = amax[c] == 0.0f ? 0.0f : 127.0f / amax[c];
    s.vs[c] = amax[c] / 127.0f;
    s.vsum[c] = 0;
  }
  const size_t d16 = quant::RoundUpTo(head_dim, quant::kI8PanelWidth);
  HWY_DYNAMIC_DISPATCH(QuantizeColumnsImpl)
  (v, seq, head_dim, stride, s.vmult, s.vq, d16, s.vsum);
  std::memset(s.vq + seq * d16, 0, (sp - seq) * d16);
  HWY_DYNAMIC_DISPATCH(PackTransposedImpl)(s.vq, d16, sp, d16, s.vpack);
  return View(s.vpack, s.vs, s.vsum, head_dim, seq);
}

// Context rows [i, i + rows) of one head from its quantized queries.
void ContextBlock(const PackedWeightsI8View& keys,
                  const PackedWeightsI8View& values, size_t i, size_t rows,
                  size_t seq, size_t head_dim, const float* mask_add,
                  const Scratch& s, float* out, size_t out_stride) {
  const size_t kp = quant::RoundUpTo(head_dim, quant::kI8KGroup);
  GemmI8(keys, s.qq + i * kp, s.qs + i, rows, s.scores, s.score_stride,
         GemmI8Epilogue::kNone, nullptr);
  HWY_DYNAMIC_DISPATCH(MaskExpRowsImpl)
  (s.scores, rows, s.score_stride, seq, mask_add, s.sums);
  const size_t sp = quant::RoundUpTo(seq, quant::kI8KGroup);
  HWY_DYNAMIC_DISPATCH(ProbCodesRowsImpl)
  (s.scores, rows, s.score_stride, seq, s.pq, s.pq + rows * sp, sp);
  for (size_t r = 0; r < rows; ++r) {
    s.ps[r] = (1.0f / 127.0f) / s.sums[r];
    s.ps[rows + r] = s.ps[r] / 254.0f;
  }
  // One product for both codes: rows [0, rows) high, [rows, 2 rows) low.
  GemmI8(values, s.pq, s.ps, 2 * rows, s.ctx2, head_dim, GemmI8Epilogue::kNone,
         nullptr);
  const float* lo = s.ctx2 + rows * head_dim;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < head_dim; ++c) {
      out[r * out_stride + c] = s.ctx2[r * head_dim + c] + lo[r * head_dim + c];
    }
  }
}

}  // namespace

size_t AttentionI8ScratchBytes(size_t seq, size_t head_dim) {
  Scratch s;
  return Carve(seq, head_dim, nullptr, &s);
}

void AttentionI8(const float* qkv, size_t qkv_stride, size_t seq,
                 size_t num_heads, size_t head_dim, float scale,
                 const float* mask_add, size_t head_begin, size_t head_end,
                 void* scratch, float* ctx, size_t ctx_stride) {
  if (seq == 0) return;
  Scratch s;
  Carve(seq, head_dim, static_cast<uint8_t*>(scratch), &s);
  const size_t hidden = num_heads * head_dim;
  for (size_t h = head_begin; h < head_end; ++h) {
    const float* q = qkv + h * head_dim;
    QuantizeActivations(q, seq, head_dim, qkv_stride, nullptr, s.qq, s.qs);
    const PackedWeightsI8View keys =
        PackKeys(q + hidden, qkv_stride, seq, head_dim, scale, s);
    const PackedWeightsI8View values =
        PackValues(q + 2 * hidden, qkv_stride, seq, head_dim, s);
    for (size_t i = 0; i < seq; i += kRowBlock) {
      const size_t rows = seq - i < kRowBlock ? seq - i : kRowBlock;
      ContextBlock(keys, values, i, rows, seq, head_dim, mask_add, s,
                   ctx + i * ctx_stride + h * head_dim, ctx_stride);
    }
  }
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
