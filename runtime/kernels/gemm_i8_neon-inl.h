// int8 GEMM micro-kernels for NEON, also used by the SVE targets (contract in
// gemm_i8_tile-inl.h): vmull_s8 + vpadalq_s16 everywhere, and on aarch64
// vdotq_s32 (sdot) for CPUs with the dot product extension. Highway 1.0.3 has
// no int8 dot product op, and on SVE CPUs (Neoverse V1/N2, Cortex-A510+) the
// 128-bit sdot kernel is the fast path. Per-target inline header included by
// gemm_i8.cc; on those targets defines Micro, EB_GEMM_I8_KERNEL and, on
// aarch64, MicroDot and EB_HAVE_DOTPROD_KERNEL.
#if defined(EDGEBERT_RUNTIME_KERNELS_GEMM_I8_NEON_INL_H_) == \
    defined(HWY_TARGET_TOGGLE)
#ifdef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_NEON_INL_H_
#undef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_NEON_INL_H_
#else
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_NEON_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include <hwy/highway.h>

#include "runtime/kernels/gemm_i8_tile-inl.h"

// Every Arm SVE target: SVE and SVE2 at any vector length, and Highway's
// fixed-length SVE_256 (Neoverse V1) and SVE2_128 (Neoverse N2, Cortex-A710+).
#if HWY_ARCH_ARM_A64 && (HWY_TARGET == HWY_SVE || HWY_TARGET == HWY_SVE_256 || \
                         HWY_TARGET == HWY_SVE2 || HWY_TARGET == HWY_SVE2_128)
#define EB_GEMM_I8_SVE_TARGET 1
#endif
#if HWY_ARCH_ARM && (HWY_TARGET == HWY_NEON || defined(EB_GEMM_I8_SVE_TARGET))
#include <arm_neon.h>
#define EB_GEMM_I8_KERNEL "neon"

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {

// Without dot product: vmull_s8 (int16 products) + vpadalq_s16 (pairwise
// widening accumulate); acc lanes are (channel, k-pair), folded at the end.
struct MullStep {
  static constexpr size_t kMR = 2;
  static constexpr size_t kAccPerQ = 2;
  using Act = int8x8_t;
  static HWY_INLINE Act Broadcast(int32_t four) {
    return vreinterpret_s8_s32(vdup_n_s32(four));
  }
  template <class Q>
  static HWY_INLINE void Accumulate(int32x4_t (&acc)[8], Q q, int8x16_t w,
                                    Act a) {
    acc[2 * q] = vpadalq_s16(acc[2 * q], vmull_s8(vget_low_s8(w), a));
    acc[2 * q + 1] = vpadalq_s16(acc[2 * q + 1], vmull_s8(vget_high_s8(w), a));
  }
  static HWY_INLINE void Store(const int32x4_t (&acc)[8], int32_t* out) {
    Unroll<4>([&](auto q) {
      // acc[2q] = [c0h0 c0h1 c1h0 c1h1], acc[2q+1] = [c2.. c3..].
      const int32x2_t s0 =
          vpadd_s32(vget_low_s32(acc[2 * q]), vget_high_s32(acc[2 * q]));
      const int32x2_t s1 = vpadd_s32(vget_low_s32(acc[2 * q + 1]),
                                     vget_high_s32(acc[2 * q + 1]));
      vst1q_s32(out + 4 * q, vcombine_s32(s0, s1));
    });
  }
};

namespace neon_mull {
#define EB_NEON_TILE_ATTR HWY_ATTR
#include "runtime/kernels/gemm_i8_neon_tile-inl.h"  // IWYU pragma: keep
#undef EB_NEON_TILE_ATTR
}  // namespace neon_mull
using Micro = neon_mull::NeonMicro<MullStep>;

#if HWY_ARCH_ARM_A64
#define EB_HAVE_DOTPROD_KERNEL 1
// vdotq_s32: each int32 lane accumulates the 4 int8 products of one channel.
// Compiled with +dotprod; only called when getauxval reports ASIMDDP. The
// attribute includes the enclosing Highway target's (+sve / +sve2-aes) so
// that its HWY_INLINE helpers can be inlined here.
#if HWY_TARGET == HWY_SVE2 || HWY_TARGET == HWY_SVE2_128
#define EB_DOTPROD_TARGET "arch=armv8.2-a+crypto+dotprod+sve2-aes"
#elif HWY_TARGET == HWY_SVE || HWY_TARGET == HWY_SVE_256
#define EB_DOTPROD_TARGET "arch=armv8.2-a+crypto+dotprod+sve"
#else
#define EB_DOTPROD_TARGET "arch=armv8.2-a+crypto+dotprod"
#endif
HWY_PUSH_ATTRIBUTES(EB_DOTPROD_TARGET)
struct DotStep {
  static constexpr size_t kMR = 6;  // 24 accumulators + 4 weights + 1 input.
  static constexpr size_t kAccPerQ = 1;
  using Act = int8x16_t;
  static HWY_INLINE Act Broadcast(int32_t four) {
    return vreinterpretq_s8_s32(vdupq_n_s32(four));
  }
  template <class Q>
  static HWY_INLINE void Accumulate(int32x4_t (&acc)[4], Q q, int8x16_t w,
                                    Act a) {
    acc[q] = vdotq_s32(acc[q], w, a);
  }
  static HWY_INLINE void Store(const int32x4_t (&acc)[4], int32_t* out) {
    Unroll<4>([&](auto q) { vst1q_s32(out + 4 * q, acc[q]); });
  }
  // Instruction peak: `reps` rounds of 16 independent sdot chains (16 MACs
  // each); returns the MACs done and stores a sum to *sink.
  static HWY_NOINLINE uint64_t DotPeakLoop(size_t reps, int32_t* sink) {
    int32x4_t acc[16];
    Unroll<16>([&](auto i) { acc[i] = vdupq_n_s32(static_cast<int32_t>(i)); });
    const int8x16_t a = vreinterpretq_s8_s32(vdupq_n_s32(0x01020304));
    const int8x16_t b = vreinterpretq_s8_s32(vdupq_n_s32(0x01FF01FF));
    for (size_t r = 0; r < reps; ++r) {
      Unroll<16>([&](auto i) { acc[i] = vdotq_s32(acc[i], a, b); });
    }
    Unroll<15>([&](auto i) { acc[15] = vaddq_s32(acc[15], acc[i]); });
    *sink = vaddvq_s32(acc[15]);
    return static_cast<uint64_t>(reps) * 16 * 16;
  }
};

namespace neon_dot {
#define EB_NEON_TILE_ATTR __attribute__((target(EB_DOTPROD_TARGET)))
#include "runtime/kernels/gemm_i8_neon_tile-inl.h"  // IWYU pragma: keep
#undef EB_NEON_TILE_ATTR
}  // namespace neon_dot
HWY_POP_ATTRIBUTES
#undef EB_DOTPROD_TARGET
using MicroDot = neon_dot::NeonMicro<DotStep>;
#endif  // HWY_ARCH_ARM_A64

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // NEON / SVE targets
#undef EB_GEMM_I8_SVE_TARGET
#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_NEON_INL_H_
