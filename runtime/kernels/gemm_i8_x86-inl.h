// int8 GEMM micro-kernels for x86 (contract in gemm_i8_tile-inl.h):
// AVX3_DL vpdpbusd, AVX3 and AVX2 int16 vpmaddwd. Per-target inline header
// included by gemm_i8.cc; defines Micro and EB_GEMM_I8_KERNEL for those
// targets only.
#if defined(EDGEBERT_RUNTIME_KERNELS_GEMM_I8_X86_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_X86_INL_H_
#undef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_X86_INL_H_
#else
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_X86_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include <hwy/highway.h>

#include "runtime/kernels/gemm_i8_tile-inl.h"

#if HWY_ARCH_X86 && (HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX3 || \
                     HWY_TARGET == HWY_AVX2)
#include <immintrin.h>

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {

#if HWY_TARGET == HWY_AVX3_DL
#define EB_GEMM_I8_KERNEL "vnni"
// Highway's AVX3_DL target string lists avxvnni but not avx512vnni; the target
// is only selected on CPUs with AVX512-VNNI (part of Highway's AVX3_DL group),
// so enabling it for this kernel is safe. The attribute goes on the function
// and on each lambda: clang's attribute pragma does not reach lambdas.
#define EB_VNNI_ATTR __attribute__((target(HWY_TARGET_STR ",avx512vnni")))
struct Micro : TileShape<8, 3, 128> {
  // Per k-group: kP weight loads, MR broadcast+xor (u8 = q ^ 0x80), MR * kP
  // vpdpbusd. 24 accumulators + 3 weights + 1 activation register.
  template <size_t MR, size_t P>
  static EB_VNNI_ATTR void Tile(const int8_t* x, size_t x_stride,
                                const int8_t* w, size_t panel_bytes,
                                size_t k_groups, int32_t* out, size_t ld) {
    __m512i acc[MR][P];
    Unroll<MR>([&](auto r) EB_VNNI_ATTR {
      Unroll<P>([&](auto p)
                    EB_VNNI_ATTR { acc[r][p] = _mm512_setzero_si512(); });
    });
    const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
    const int8_t* wg = w;
    const int8_t* xg = x;
    for (size_t g = 0; g < k_groups; ++g, wg += kGroupBytes, xg += 4) {
      __m512i wv[P];
      Unroll<P>([&](auto p) EB_VNNI_ATTR {
        wv[p] = _mm512_loadu_si512(wg + p * panel_bytes);
        _mm_prefetch(reinterpret_cast<const char*>(wg + p * panel_bytes) + 1024,
                     _MM_HINT_T0);
      });
      Unroll<MR>([&](auto r) EB_VNNI_ATTR {
        const __m512i a = _mm512_xor_si512(
            _mm512_set1_epi32(Load32(xg + r * x_stride)), flip);
        Unroll<P>([&](auto p) EB_VNNI_ATTR {
          acc[r][p] = _mm512_dpbusd_epi32(acc[r][p], a, wv[p]);
        });
      });
    }
    Unroll<MR>([&](auto r) EB_VNNI_ATTR {
      Unroll<P>([&](auto p) EB_VNNI_ATTR {
        _mm512_storeu_si512(out + r * ld + p * kNR, acc[r][p]);
      });
    });
  }
  // Instruction peak: `reps` rounds of 16 independent vpdpbusd chains (64
  // MACs each); returns the MACs done and stores a sum to *sink.
  static EB_VNNI_ATTR HWY_NOINLINE uint64_t DotPeakLoop(size_t reps,
                                                        int32_t* sink) {
    __m512i acc[16];
    Unroll<16>([&](auto i) EB_VNNI_ATTR {
      acc[i] = _mm512_set1_epi32(static_cast<int32_t>(i));
    });
    const __m512i a = _mm512_set1_epi32(0x01020304);
    const __m512i b = _mm512_set1_epi32(0x01FF01FF);
    for (size_t r = 0; r < reps; ++r) {
      Unroll<16>([&](auto i) EB_VNNI_ATTR {
        acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
      });
    }
    Unroll<15>([&](auto i) EB_VNNI_ATTR {
      acc[15] = _mm512_add_epi32(acc[15], acc[i]);
    });
    *sink = _mm512_reduce_add_epi32(acc[15]);
    return static_cast<uint64_t>(reps) * 16 * 64;
  }
};
#undef EB_VNNI_ATTR

#elif HWY_TARGET == HWY_AVX3
#define EB_GEMM_I8_KERNEL "madd16"
// int8 -> int16 sign extension + vpmaddwd: products <= 127 * 127, pair sums
// fit int32; exact. Accumulators hold (channel, k-pair) lanes, folded at end.
// 16 accumulators + 4 weights + 1 input.
struct Micro : TileShape<4, 2> {
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
struct Micro : TileShape<2, 1> {
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

#endif

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // x86 targets
#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_X86_INL_H_
