// int8 GEMM (see gemm_i8.h). Own Highway skeleton: this file is re-included
// once per target by foreach_target.h.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "runtime/kernels/gemm_i8.h"
#include "runtime/quant/codec.h"

// Order matters: foreach_target.h, then highway.h, then -inl.h headers.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/gemm_i8.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"

#include "runtime/kernels/det_math-inl.h"

// The NEON micro-kernels also serve the SVE targets: Highway 1.0.3 has no
// int8 dot product op, and on SVE CPUs (Neoverse V1/N2, Cortex-A510+) the
// 128-bit sdot kernel is the fast path.
#if HWY_ARCH_ARM &&            \
    (HWY_TARGET == HWY_NEON || \
     (HWY_ARCH_ARM_A64 && (HWY_TARGET == HWY_SVE || HWY_TARGET == HWY_SVE2)))
#define EB_GEMM_I8_NEON 1
#include <arm_neon.h>
#endif
#if HWY_ARCH_ARM_A64 && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

#ifndef EDGEBERT_GEMM_I8_SHARED_
#define EDGEBERT_GEMM_I8_SHARED_
namespace edgebert::kernels::gemm_i8_detail {

inline constexpr size_t kNR = quant::kI8PanelWidth;            // 16 channels.
inline constexpr size_t kGroupBytes = kNR * quant::kI8KGroup;  // 64.

// Everything one GemmI8 / GemmI8Int32 call needs, shared by its tasks.
struct Args {
  const int8_t* packed;
  const float* scales;
  const int32_t* weight_sums;
  const float* bias;
  size_t n;
  size_t panels;
  size_t panel_bytes;
  size_t k_groups;
  const int8_t* xq;
  size_t x_stride;
  const float* row_scales;
  size_t m;
  float* y;  // null when acc is set.
  size_t y_stride;
  int32_t* acc;
  size_t acc_stride;
  bool gelu;
};

inline int32_t Load32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Set by GemmI8DisableDotProdForTest.
inline bool& DisableDotProd() {
  static bool disable = false;
  return disable;
}

}  // namespace edgebert::kernels::gemm_i8_detail
#endif  // EDGEBERT_GEMM_I8_SHARED_

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using gemm_i8_detail::Args;
using gemm_i8_detail::kGroupBytes;
using gemm_i8_detail::kNR;
using gemm_i8_detail::Load32;

// ---------------------------------------------------------------------------
// Activation quantization (codec QuantizeRow, vectorized).

// amax of x[i] * inv_smooth[i] (or |x[i]|) over k.
HWY_INLINE float RowAbsMax(const float* x, const float* inv_smooth, size_t k) {
  const hn::ScalableTag<float> d;
  const size_t nl = hn::Lanes(d);
  auto vmax = hn::Zero(d);
  size_t i = 0;
  if (inv_smooth) {
    for (; i + nl <= k; i += nl) {
      const auto v = hn::Mul(hn::LoadU(d, x + i), hn::LoadU(d, inv_smooth + i));
      vmax = hn::Max(vmax, hn::Abs(v));
    }
  } else {
    for (; i + nl <= k; i += nl)
      vmax = hn::Max(vmax, hn::Abs(hn::LoadU(d, x + i)));
  }
  float amax = hn::GetLane(hn::MaxOfLanes(d, vmax));
  for (; i < k; ++i) {
    const float v = inv_smooth ? x[i] * inv_smooth[i] : x[i];
    amax = std::max(amax, std::fabs(v));
  }
  return amax;
}

// q[i] = clamp(round_half_even(x[i] * inv_smooth[i] * mult)), mult != 0.
HWY_INLINE void QuantizeWithMultiplier(const float* x, const float* inv_smooth,
                                       size_t k, float mult, int8_t* q) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const size_t nl = hn::Lanes(d);
  const auto vmult = hn::Set(d, mult);
  const auto lo = hn::Set(di, -127);
  const auto hi = hn::Set(di, 127);
  size_t i = 0;
  for (; i + nl <= k; i += nl) {
    auto v = hn::LoadU(d, x + i);
    if (inv_smooth) v = hn::Mul(v, hn::LoadU(d, inv_smooth + i));
    auto qi = hn::NearestInt(hn::Mul(v, vmult));
    qi = hn::Min(hn::Max(qi, lo), hi);
    hn::StoreU(hn::DemoteTo(d8, qi), d8, q + i);
  }
  for (; i < k; ++i) {
    const float v = inv_smooth ? x[i] * inv_smooth[i] : x[i];
    q[i] = quant::QuantizeValue(v * mult);
  }
}

HWY_INLINE float QuantizeRowVec(const float* x, size_t k,
                                const float* inv_smooth, int8_t* q) {
  const float amax = RowAbsMax(x, inv_smooth, k);
  if (amax == 0.0f) {
    std::memset(q, 0, k);
    return 0.0f;
  }
  QuantizeWithMultiplier(x, inv_smooth, k, 127.0f / amax, q);
  return amax / 127.0f;
}

void QuantizeActivationsImpl(const float* x, size_t m, size_t k,
                             size_t x_stride, const float* inv_smooth,
                             int8_t* xq, float* row_scales) {
  const size_t kp = quant::RoundUpTo(k, quant::kI8KGroup);
  for (size_t r = 0; r < m; ++r) {
    int8_t* q = xq + r * kp;
    row_scales[r] = QuantizeRowVec(x + r * x_stride, k, inv_smooth, q);
    for (size_t i = k; i < kp; ++i) q[i] = 0;
  }
}

void QuantizeRowsI8Impl(const float* x, size_t rows, size_t dim, int8_t* q,
                        float* scales) {
  for (size_t r = 0; r < rows; ++r) {
    scales[r] = QuantizeRowVec(x + r * dim, dim, nullptr, q + r * dim);
  }
}

void DequantizeRowI8Impl(const int8_t* q, size_t dim, float scale, float* out) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<int8_t, decltype(d)> d8;
  const size_t nl = hn::Lanes(d);
  const auto vs = hn::Set(d, scale);
  size_t i = 0;
  for (; i + nl <= dim; i += nl) {
    const auto v = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, q + i)));
    hn::StoreU(hn::Mul(vs, v), d, out + i);
  }
  for (; i < dim; ++i) out[i] = scale * static_cast<float>(q[i]);
}

// Calls f(integral_constant<size_t, i>) for i = 0..N-1, fully unrolled so
// that register-tile arrays are indexed by constants (GCC then keeps them in
// registers instead of on the stack).
template <class F, size_t... I>
HWY_INLINE void UnrollImpl(F&& f, std::index_sequence<I...>) {
  (f(std::integral_constant<size_t, I>()), ...);
}
template <size_t N, class F>
HWY_INLINE void Unroll(F&& f) {
  UnrollImpl(f, std::make_index_sequence<N>());
}

// ---------------------------------------------------------------------------
// Micro-kernels. Tile<MR, P>(x, x_stride, w, panel_bytes, k_groups, out, ld)
// computes, for MR rows of x and P consecutive panels starting at w,
//   out[r * ld + j] = kOffset * weight_sums[channel j]
//                           + sum_k x[r, k] * wq[channel j, k]
// (kOffset = 128 for the u8 x s8 VNNI kernel, else 0; GemmTask subtracts it).

#if HWY_TARGET == HWY_AVX3_DL
#define EB_GEMM_I8_KERNEL "vnni"
// Highway's AVX3_DL target string lists avxvnni but not avx512vnni; the target
// is only selected on CPUs with AVX512-VNNI (part of Highway's AVX3_DL group),
// so enabling it for this kernel is safe.
HWY_PUSH_ATTRIBUTES("avx512vnni")
struct Micro {
  static constexpr size_t kMR = 8;
  static constexpr size_t kP = 3;
  static constexpr int32_t kOffset = 128;
  // Per k-group: kP weight loads, MR broadcast+xor (u8 = q ^ 0x80), MR * kP
  // vpdpbusd. 24 accumulators + 3 weights + 1 activation register.
  template <size_t MR, size_t P>
  static void Tile(const int8_t* x, size_t x_stride, const int8_t* w,
                   size_t panel_bytes, size_t k_groups, int32_t* out,
                   size_t ld) {
    __m512i acc[MR][P];
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) { acc[r][p] = _mm512_setzero_si512(); });
    });
    const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
    const int8_t* wg = w;
    const int8_t* xg = x;
    for (size_t g = 0; g < k_groups; ++g, wg += kGroupBytes, xg += 4) {
      __m512i wv[P];
      Unroll<P>([&](auto p) {
        wv[p] = _mm512_loadu_si512(wg + p * panel_bytes);
        _mm_prefetch(reinterpret_cast<const char*>(wg + p * panel_bytes) + 1024,
                     _MM_HINT_T0);
      });
      Unroll<MR>([&](auto r) {
        const __m512i a = _mm512_xor_si512(
            _mm512_set1_epi32(Load32(xg + r * x_stride)), flip);
        Unroll<P>([&](auto p) {
          acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], a, wv[p]);
        });
      });
    }
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        _mm512_storeu_si512(out + r * ld + p * kNR, acc[r][p]);
      });
    });
  }
};
HWY_POP_ATTRIBUTES

#elif HWY_TARGET == HWY_AVX3
#define EB_GEMM_I8_KERNEL "madd16"
// int8 -> int16 sign extension + vpmaddwd: products <= 127 * 127, pair sums
// fit int32; exact. Accumulators hold (channel, k-pair) lanes, folded at end.
struct Micro {
  static constexpr size_t kMR = 4;
  static constexpr size_t kP = 2;  // 16 accumulators + 4 weights + 1 input.
  static constexpr int32_t kOffset = 0;
  template <size_t MR, size_t P>
  static HWY_ATTR void Tile(const int8_t* x, size_t x_stride, const int8_t* w,
                            size_t panel_bytes, size_t k_groups, int32_t* out,
                            size_t ld) {
    __m512i lo[MR][P], hi[MR][P];  // channels 0-7 / 8-15, 2 lanes each.
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        lo[r][p] = _mm512_setzero_si512();
        hi[r][p] = _mm512_setzero_si512();
      });
    });
    const int8_t* wg = w;
    const int8_t* xg = x;
    for (size_t g = 0; g < k_groups; ++g, wg += kGroupBytes, xg += 4) {
      __m512i wl[P], wh[P];
      Unroll<P>([&](auto p) {
        const __m512i v = _mm512_loadu_si512(wg + p * panel_bytes);
        wl[p] = _mm512_cvtepi8_epi16(_mm512_castsi512_si256(v));
        wh[p] = _mm512_cvtepi8_epi16(_mm512_extracti64x4_epi64(v, 1));
      });
      Unroll<MR>([&](auto r) {
        const __m128i a8 = _mm_cvtsi32_si128(Load32(xg + r * x_stride));
        const __m512i a = _mm512_broadcastq_epi64(_mm_cvtepi8_epi16(a8));
        Unroll<P>([&](auto p) {
          lo[r][p] = _mm512_add_epi32(lo[r][p], _mm512_madd_epi16(wl[p], a));
          hi[r][p] = _mm512_add_epi32(hi[r][p], _mm512_madd_epi16(wh[p], a));
        });
      });
    }
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                           20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        const __m512i s = _mm512_add_epi32(
            _mm512_permutex2var_epi32(lo[r][p], even, hi[r][p]),
            _mm512_permutex2var_epi32(lo[r][p], odd, hi[r][p]));
        _mm512_storeu_si512(out + r * ld + p * kNR, s);
      });
    });
  }
};

#elif HWY_TARGET == HWY_AVX2
#define EB_GEMM_I8_KERNEL "madd16"
struct Micro {
  static constexpr size_t kMR = 2;
  static constexpr size_t kP = 1;
  static constexpr int32_t kOffset = 0;
  template <size_t MR, size_t P>
  static HWY_ATTR void Tile(const int8_t* x, size_t x_stride, const int8_t* w,
                            size_t panel_bytes, size_t k_groups, int32_t* out,
                            size_t ld) {
    // acc[r][p][q]: channels 4q..4q+3, (channel, k-pair) lanes.
    __m256i acc[MR][P][4];
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        Unroll<4>([&](auto q) { acc[r][p][q] = _mm256_setzero_si256(); });
      });
    });
    const int8_t* wg = w;
    const int8_t* xg = x;
    for (size_t g = 0; g < k_groups; ++g, wg += kGroupBytes, xg += 4) {
      __m256i wv[P][4];
      Unroll<P>([&](auto p) {
        Unroll<4>([&](auto q) {
          wv[p][q] = _mm256_cvtepi8_epi16(_mm_loadu_si128(
              reinterpret_cast<const __m128i*>(wg + p * panel_bytes + 16 * q)));
        });
      });
      Unroll<MR>([&](auto r) {
        const __m128i a8 = _mm_cvtsi32_si128(Load32(xg + r * x_stride));
        const __m256i a = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(a8));
        Unroll<P>([&](auto p) {
          Unroll<4>([&](auto q) {
            acc[r][p][q] =
                _mm256_add_epi32(acc[r][p][q], _mm256_madd_epi16(wv[p][q], a));
          });
        });
      });
    }
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        // hadd(c0-3, c4-7) = [c0 c1 c4 c5 | c2 c3 c6 c7] -> permute 0,2,1,3.
        const __m256i s0 = _mm256_permute4x64_epi64(
            _mm256_hadd_epi32(acc[r][p][0], acc[r][p][1]), 0xD8);
        const __m256i s1 = _mm256_permute4x64_epi64(
            _mm256_hadd_epi32(acc[r][p][2], acc[r][p][3]), 0xD8);
        int32_t* o = out + r * ld + p * kNR;
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), s0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), s1);
      });
    });
  }
};

#elif defined(EB_GEMM_I8_NEON)
#define EB_GEMM_I8_KERNEL "neon"
// Without dot product: vmull_s8 (int16 products) + vpadalq_s16 (pairwise
// widening accumulate); acc lanes are (channel, k-pair), folded at the end.
struct Micro {
  static constexpr size_t kMR = 2;
  static constexpr size_t kP = 1;
  static constexpr int32_t kOffset = 0;
  template <size_t MR, size_t P>
  static HWY_ATTR void Tile(const int8_t* x, size_t x_stride, const int8_t* w,
                            size_t panel_bytes, size_t k_groups, int32_t* out,
                            size_t ld) {
    int32x4_t acc[MR][P][8];
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        Unroll<8>([&](auto q) { acc[r][p][q] = vdupq_n_s32(0); });
      });
    });
    const int8_t* wg = w;
    const int8_t* xg = x;
    for (size_t g = 0; g < k_groups; ++g, wg += kGroupBytes, xg += 4) {
      int8x16_t wv[P][4];
      Unroll<P>([&](auto p) {
        Unroll<4>([&](auto q) {
          wv[p][q] = vld1q_s8(wg + p * panel_bytes + 16 * q);
        });
      });
      Unroll<MR>([&](auto r) {
        const int8x8_t a =
            vreinterpret_s8_s32(vdup_n_s32(Load32(xg + r * x_stride)));
        Unroll<P>([&](auto p) {
          Unroll<4>([&](auto q) {
            acc[r][p][2 * q] = vpadalq_s16(acc[r][p][2 * q],
                                           vmull_s8(vget_low_s8(wv[p][q]), a));
            acc[r][p][2 * q + 1] = vpadalq_s16(
                acc[r][p][2 * q + 1], vmull_s8(vget_high_s8(wv[p][q]), a));
          });
        });
      });
    }
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        Unroll<4>([&](auto q) {
          // acc[2q] = [c0h0 c0h1 c1h0 c1h1], acc[2q+1] = [c2.. c3..].
          const int32x2_t s0 = vpadd_s32(vget_low_s32(acc[r][p][2 * q]),
                                         vget_high_s32(acc[r][p][2 * q]));
          const int32x2_t s1 = vpadd_s32(vget_low_s32(acc[r][p][2 * q + 1]),
                                         vget_high_s32(acc[r][p][2 * q + 1]));
          vst1q_s32(out + r * ld + p * kNR + 4 * q, vcombine_s32(s0, s1));
        });
      });
    });
  }
};

#if HWY_ARCH_ARM_A64
#define EB_HAVE_DOTPROD_KERNEL 1
// vdotq_s32: each int32 lane accumulates the 4 int8 products of one channel.
// Compiled with +dotprod; only called when getauxval reports ASIMDDP.
// The attributes include the enclosing Highway target's (+sve / +sve2-aes)
// so that its HWY_INLINE helpers can be inlined here.
#if HWY_TARGET == HWY_SVE2
HWY_PUSH_ATTRIBUTES("arch=armv8.2-a+crypto+dotprod+sve2-aes")
#elif HWY_TARGET == HWY_SVE
HWY_PUSH_ATTRIBUTES("arch=armv8.2-a+crypto+dotprod+sve")
#else
HWY_PUSH_ATTRIBUTES("arch=armv8.2-a+crypto+dotprod")
#endif
struct MicroDot {
  static constexpr size_t kMR = 6;
  static constexpr size_t kP = 1;
  static constexpr int32_t kOffset = 0;
  // 24 accumulators + 4 weight + 1 activation registers of 32.
  template <size_t MR, size_t P>
  static void Tile(const int8_t* x, size_t x_stride, const int8_t* w,
                   size_t panel_bytes, size_t k_groups, int32_t* out,
                   size_t ld) {
    int32x4_t acc[MR][P][4];
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        Unroll<4>([&](auto q) { acc[r][p][q] = vdupq_n_s32(0); });
      });
    });
    const int8_t* wg = w;
    const int8_t* xg = x;
    for (size_t g = 0; g < k_groups; ++g, wg += kGroupBytes, xg += 4) {
      int8x16_t wv[P][4];
      Unroll<P>([&](auto p) {
        Unroll<4>([&](auto q) {
          wv[p][q] = vld1q_s8(wg + p * panel_bytes + 16 * q);
        });
      });
      Unroll<MR>([&](auto r) {
        const int8x16_t a =
            vreinterpretq_s8_s32(vdupq_n_s32(Load32(xg + r * x_stride)));
        Unroll<P>([&](auto p) {
          Unroll<4>([&](auto q) {
            acc[r][p][q] = vdotq_s32(acc[r][p][q], wv[p][q], a);
          });
        });
      });
    }
    Unroll<MR>([&](auto r) {
      Unroll<P>([&](auto p) {
        Unroll<4>([&](auto q) {
          vst1q_s32(out + r * ld + p * kNR + 4 * q, acc[r][p][q]);
        });
      });
    });
  }
};
HWY_POP_ATTRIBUTES
#endif  // HWY_ARCH_ARM_A64

#else
#define EB_GEMM_I8_KERNEL "generic"
// Generic Highway: int32 lanes over the (channel, k) bytes of a 64-byte
// k-group block; activation bytes repeated with period 4; folded at the end.
struct Micro {
  static constexpr size_t kMR = 1;
  static constexpr size_t kP = 1;
  static constexpr int32_t kOffset = 0;
  template <size_t MR, size_t P>
  static HWY_ATTR void Tile(const int8_t* x, size_t x_stride, const int8_t* w,
                            size_t panel_bytes, size_t k_groups, int32_t* out,
                            size_t ld) {
    const hn::CappedTag<int32_t, kGroupBytes> d32;
    const hn::Rebind<int8_t, decltype(d32)> d8;
    const size_t nl = hn::Lanes(d32);
    for (size_t r = 0; r < MR; ++r) {
      const int8_t* xr = x + r * x_stride;
      for (size_t p = 0; p < P; ++p) {
        const int8_t* wp = w + p * panel_bytes;
        HWY_ALIGN int32_t lanes[kGroupBytes];
        for (size_t j = 0; j < kGroupBytes; j += nl) {
          auto acc = hn::Zero(d32);
          for (size_t g = 0; g < k_groups; ++g) {
            const auto wv =
                hn::PromoteTo(d32, hn::LoadU(d8, wp + g * kGroupBytes + j));
#if HWY_TARGET == HWY_SCALAR
            const auto xv = hn::Set(d32, xr[4 * g + (j & 3)]);
#else
            // Lanes hold (channel, k % 4) and nl is a multiple of 4: lane t
            // needs x[4g + t % 4], i.e. the 4 bytes repeated, sign-extended.
            const hn::Repartition<int32_t, decltype(d8)> d8_as_32;
            const auto xv = hn::PromoteTo(
                d32, hn::BitCast(d8, hn::Set(d8_as_32, Load32(xr + 4 * g))));
#endif
            acc = hn::Add(acc, hn::Mul(wv, xv));
          }
          hn::Store(acc, d32, lanes + j);
        }
        for (size_t c = 0; c < kNR; ++c) {
          out[r * ld + p * kNR + c] = lanes[4 * c] + lanes[4 * c + 1] +
                                      lanes[4 * c + 2] + lanes[4 * c + 3];
        }
      }
    }
  }
};
#endif

// ---------------------------------------------------------------------------
// Driver: one task = up to Micro::kP panels (kP * 16 channels), all rows.

// Calls K::Tile<mr, np> for runtime mr <= K::kMR, np <= K::kP.
template <class K, size_t MR, size_t P>
HWY_INLINE void DispatchTile(size_t mr, size_t np, const int8_t* x,
                             size_t x_stride, const int8_t* w,
                             size_t panel_bytes, size_t k_groups, int32_t* out,
                             size_t ld) {
  if constexpr (MR > 1) {
    if (mr < MR) {
      return DispatchTile<K, MR - 1, P>(mr, np, x, x_stride, w, panel_bytes,
                                        k_groups, out, ld);
    }
  }
  if constexpr (P > 1) {
    if (np < P) {
      return DispatchTile<K, MR, P - 1>(mr, np, x, x_stride, w, panel_bytes,
                                        k_groups, out, ld);
    }
  }
  K::template Tile<MR, P>(x, x_stride, w, panel_bytes, k_groups, out, ld);
}

// corr[j] = K::kOffset * weight_sums[n0 + j] for the task's columns (exact in
// int32: |weight_sums| <= 127 k), subtracted from the micro-kernel output.
template <class K>
HWY_INLINE void Epilogue(const Args& a, size_t row0, size_t mr, size_t n0,
                         size_t ncols, const int32_t* tile, size_t ld,
                         const int32_t* corr) {
  if (a.acc != nullptr) {
    for (size_t r = 0; r < mr; ++r) {
      int32_t* o = a.acc + (row0 + r) * a.acc_stride + n0;
      for (size_t j = 0; j < ncols; ++j) o[j] = tile[r * ld + j] - corr[j];
    }
    return;
  }
  const hn::CappedTag<float, kNR> df;
  const hn::RebindToSigned<decltype(df)> di;
  const size_t nl = hn::Lanes(df);
  const float* sc = a.scales + n0;
  const float* bias = a.bias ? a.bias + n0 : nullptr;
  for (size_t r = 0; r < mr; ++r) {
    const float rs = a.row_scales[row0 + r];
    float* o = a.y + (row0 + r) * a.y_stride + n0;
    const int32_t* t = tile + r * ld;
    const auto vrs = hn::Set(df, rs);
    size_t j = 0;
    for (; j + nl <= ncols; j += nl) {
      auto acc = hn::LoadU(di, t + j);
      if (K::kOffset != 0) acc = hn::Sub(acc, hn::Load(di, corr + j));
      const auto s = hn::Mul(vrs, hn::LoadU(df, sc + j));
      const auto b = bias ? hn::LoadU(df, bias + j) : hn::Zero(df);
      auto v = hn::MulAdd(hn::ConvertTo(df, acc), s, b);
      if (a.gelu) v = det::GeluErf(df, v);
      hn::StoreU(v, df, o + j);
    }
    // Column tail with one-lane vectors: the same fused ops as above.
    const hn::CappedTag<float, 1> d1;
    const hn::RebindToSigned<decltype(d1)> di1;
    for (; j < ncols; ++j) {
      auto acc = hn::Set(di1, t[j] - corr[j]);
      const auto s = hn::Mul(hn::Set(d1, rs), hn::Set(d1, sc[j]));
      const auto b = hn::Set(d1, bias ? bias[j] : 0.0f);
      auto v = hn::MulAdd(hn::ConvertTo(d1, acc), s, b);
      if (a.gelu) v = det::GeluErf(d1, v);
      o[j] = hn::GetLane(v);
    }
  }
}

template <class K>
void GemmTask(const Args& a, size_t task) {
  constexpr size_t kMR = K::kMR;
  constexpr size_t kP = K::kP;
  constexpr size_t ld = kP * kNR;
  HWY_ALIGN int32_t tile[kMR * ld];
  HWY_ALIGN int32_t corr[ld];
  const size_t p0 = task * kP;
  const size_t np = std::min(kP, a.panels - p0);
  const size_t n0 = p0 * kNR;
  const size_t ncols = std::min(np * kNR, a.n - n0);
  for (size_t j = 0; j < ncols; ++j)
    corr[j] = K::kOffset * a.weight_sums[n0 + j];
  const int8_t* w = a.packed + p0 * a.panel_bytes;
  for (size_t row0 = 0; row0 < a.m; row0 += kMR) {
    const size_t mr = std::min(kMR, a.m - row0);
    DispatchTile<K, kMR, kP>(mr, np, a.xq + row0 * a.x_stride, a.x_stride, w,
                             a.panel_bytes, a.k_groups, tile, ld);
    Epilogue<K>(a, row0, mr, n0, ncols, tile, ld, corr);
  }
}

template <class K>
void RunGemm(Args& a, ThreadPool* pool) {
  const size_t tasks = (a.panels + K::kP - 1) / K::kP;
  ParallelFor(
      pool,
      [](void* ctx, size_t t) {
        GemmTask<K>(*static_cast<const Args*>(ctx), t);
      },
      &a, tasks);
}

HWY_INLINE bool UseDotProd() {
#if defined(EB_HAVE_DOTPROD_KERNEL) && defined(__linux__)
  return !gemm_i8_detail::DisableDotProd() &&
         (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
  return false;
#endif
}

void GemmImpl(Args& a, ThreadPool* pool) {
#if defined(EB_HAVE_DOTPROD_KERNEL)
  if (UseDotProd()) return RunGemm<MicroDot>(a, pool);
#endif
  RunGemm<Micro>(a, pool);
}

const char* KernelNameImpl() {
#if defined(EB_HAVE_DOTPROD_KERNEL)
  if (UseDotProd()) {
    return HWY_TARGET == HWY_SVE    ? "SVE:dotprod"
           : HWY_TARGET == HWY_SVE2 ? "SVE2:dotprod"
                                    : "NEON:dotprod";
  }
#endif
  return HWY_TARGET == HWY_AVX3_DL ? "AVX3_DL:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_AVX3  ? "AVX3:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_AVX2  ? "AVX2:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SSE4  ? "SSE4:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SSSE3 ? "SSSE3:" EB_GEMM_I8_KERNEL
#if HWY_ARCH_ARM
         : HWY_TARGET == HWY_NEON ? "NEON:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SVE  ? "SVE:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SVE2 ? "SVE2:" EB_GEMM_I8_KERNEL
#endif
         : HWY_TARGET == HWY_EMU128 ? "EMU128:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SCALAR ? "SCALAR:" EB_GEMM_I8_KERNEL
                                    : "other:" EB_GEMM_I8_KERNEL;
}
#undef EB_GEMM_I8_KERNEL
#undef EB_HAVE_DOTPROD_KERNEL
#undef EB_GEMM_I8_NEON

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace edgebert::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(QuantizeActivationsImpl);
HWY_EXPORT(QuantizeRowsI8Impl);
HWY_EXPORT(DequantizeRowI8Impl);
HWY_EXPORT(GemmImpl);
HWY_EXPORT(KernelNameImpl);

size_t QuantizedActivationStride(size_t k) {
  return quant::RoundUpTo(k, quant::kI8KGroup);
}
size_t QuantizedActivationBytes(size_t m, size_t k) {
  return m * QuantizedActivationStride(k);
}

void QuantizeActivations(const float* x, size_t m, size_t k, size_t x_stride,
                         const float* inv_smooth, int8_t* xq,
                         float* row_scales) {
  HWY_DYNAMIC_DISPATCH(QuantizeActivationsImpl)
  (x, m, k, x_stride, inv_smooth, xq, row_scales);
}

static gemm_i8_detail::Args MakeArgs(const PackedWeightsI8View& w,
                                     const int8_t* xq, size_t m) {
  const quant::I8PackedDims dims = quant::MakeI8PackedDims(w.n, w.k);
  gemm_i8_detail::Args a{};
  a.packed = w.packed;
  a.scales = w.scales;
  a.weight_sums = w.weight_sums;
  a.bias = w.bias;
  a.n = w.n;
  a.panels = dims.panels();
  a.panel_bytes = dims.panel_bytes();
  a.k_groups = dims.k_groups();
  a.xq = xq;
  a.x_stride = dims.k_padded;
  a.m = m;
  return a;
}

void GemmI8(const PackedWeightsI8View& w, const int8_t* xq,
            const float* row_scales, size_t m, float* y, size_t y_stride,
            GemmI8Epilogue epilogue, ThreadPool* pool) {
  gemm_i8_detail::Args a = MakeArgs(w, xq, m);
  a.row_scales = row_scales;
  a.y = y;
  a.y_stride = y_stride;
  a.gelu = epilogue == GemmI8Epilogue::kGeluErf;
  HWY_DYNAMIC_DISPATCH(GemmImpl)(a, pool);
}

void GemmI8Int32(const PackedWeightsI8View& w, const int8_t* xq, size_t m,
                 int32_t* acc, size_t acc_stride, ThreadPool* pool) {
  gemm_i8_detail::Args a = MakeArgs(w, xq, m);
  a.acc = acc;
  a.acc_stride = acc_stride;
  HWY_DYNAMIC_DISPATCH(GemmImpl)(a, pool);
}

const char* GemmI8KernelName() {
  return HWY_DYNAMIC_DISPATCH(KernelNameImpl)();
}

int64_t GemmI8CompiledTargets() { return HWY_TARGETS; }

void GemmI8DisableDotProdForTest(bool disable) {
  gemm_i8_detail::DisableDotProd() = disable;
}

void QuantizeRowsI8(const float* x, size_t rows, size_t dim, int8_t* q,
                    float* scales) {
  HWY_DYNAMIC_DISPATCH(QuantizeRowsI8Impl)(x, rows, dim, q, scales);
}

void DequantizeRowI8(const int8_t* q, size_t dim, float scale, float* out) {
  HWY_DYNAMIC_DISPATCH(DequantizeRowI8Impl)(q, dim, scale, out);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
