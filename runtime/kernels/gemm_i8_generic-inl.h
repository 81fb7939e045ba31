// Generic int8 GEMM micro-kernel (contract in gemm_i8_tile-inl.h) in portable
// Highway int32 code, for the targets without a dedicated kernel (SSE4,
// SSSE3, EMU128, SCALAR). Per-target inline header included by gemm_i8.cc
// after the x86 and NEON kernel headers; defines Micro only when they did not
// (EB_GEMM_I8_KERNEL unset).
#if defined(EDGEBERT_RUNTIME_KERNELS_GEMM_I8_GENERIC_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_GENERIC_INL_H_
#undef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_GENERIC_INL_H_
#else
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_GENERIC_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include <hwy/highway.h>

#include "runtime/kernels/gemm_i8_tile-inl.h"

#ifndef EB_GEMM_I8_KERNEL
HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#define EB_GEMM_I8_KERNEL "generic"
// Generic Highway: int32 lanes over the (channel, k) bytes of a 64-byte
// k-group block; activation bytes repeated with period 4; folded at the end.
struct Micro : TileShape<1, 1> {
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

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // !EB_GEMM_I8_KERNEL
#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_GENERIC_INL_H_
