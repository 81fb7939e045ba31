// Building blocks shared by the int8 GEMM micro-kernels (gemm_i8_*-inl.h) and
// their driver (gemm_i8.cc). Per-target inline header: include after
// hwy/highway.h inside a foreach_target.h skeleton.
//
// Micro-kernel contract. A kernel is a struct K with
//   static constexpr size_t kMR, kP;  // register tile: rows x panels.
//   static constexpr int32_t kOffset; // 128 for u8 x s8 kernels, else 0.
//   template <size_t MR, size_t P> static void Tile(
//       const int8_t* x, size_t x_stride, const int8_t* w, size_t panel_bytes,
//       size_t k_groups, int32_t* out, size_t ld);
// Tile<MR, P> (MR <= kMR, P <= kP) computes, for MR rows of x (row stride
// x_stride bytes, k_groups * 4 bytes each) and the P consecutive 16-channel
// panels starting at w (quant::I8PackedK4, panel stride panel_bytes),
//   out[r * ld + j] = kOffset * weight_sums[channel j]
//                           + sum_k x[r, k] * wq[channel j, k]
// exactly in int32; the driver subtracts the kOffset term.
#if defined(EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TILE_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TILE_INL_H_
#undef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TILE_INL_H_
#else
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TILE_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include <hwy/highway.h>

#include "runtime/quant/codec.h"

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {

inline constexpr size_t kNR = quant::kI8PanelWidth;            // 16 channels.
inline constexpr size_t kGroupBytes = kNR * quant::kI8KGroup;  // 64.

// The compile-time shape of a micro-kernel (see the contract above).
template <size_t MR, size_t P, int32_t Offset = 0>
struct TileShape {
  static constexpr size_t kMR = MR;
  static constexpr size_t kP = P;
  static constexpr int32_t kOffset = Offset;
};

// The 4 activation bytes of one k-group as one int32 (unaligned load).
HWY_INLINE int32_t Load32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
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

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TILE_INL_H_
