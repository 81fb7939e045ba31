// int8 GEMM driver (see gemm_i8.h): tiling, the dequantizing epilogue and
// dispatch to the per-target micro-kernels of gemm_i8_{x86,neon,generic}-inl.h.
// Highway skeleton: this file is re-included once per target by
// foreach_target.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/gemm_i8_internal.h"
#include "runtime/quant/codec.h"

// Order matters: foreach_target.h, then highway.h, then -inl.h headers.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/gemm_i8.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"

#include "runtime/kernels/det_math-inl.h"
#include "runtime/kernels/gemm_i8_tile-inl.h"

// Kernel selection, order matters: x86 and NEON define Micro (and
// EB_GEMM_I8_KERNEL) for their targets, then the generic kernel for the rest.
#include "runtime/kernels/gemm_i8_x86-inl.h"

#include "runtime/kernels/gemm_i8_neon-inl.h"

#include "runtime/kernels/gemm_i8_generic-inl.h"

#if HWY_ARCH_ARM_A64 && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

#ifndef EDGEBERT_GEMM_I8_SHARED_
#define EDGEBERT_GEMM_I8_SHARED_
namespace edgebert::kernels::gemm_i8_detail {

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
  int act;  // det::kAct* of the epilogue.
};

}  // namespace edgebert::kernels::gemm_i8_detail
#endif  // EDGEBERT_GEMM_I8_SHARED_

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using gemm_i8_detail::Args;

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
      v = det::Activate(df, v, a.act);
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
      v = det::Activate(d1, v, a.act);
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
  return !gemm_i8_detail::DisableDotProd().load(std::memory_order_relaxed) &&
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

// Runs the kernel's full register tile `reps` times over k = 256 (operands
// in L1, no epilogue); returns the multiply-accumulates done.
template <class K>
uint64_t TileLoop(size_t reps) {
  constexpr size_t kGroups = 64;
  constexpr size_t kBytes = kGroups * quant::kI8KGroup;
  HWY_ALIGN int8_t x[K::kMR * kBytes];
  HWY_ALIGN int8_t w[K::kP * kGroups * kGroupBytes];
  HWY_ALIGN int32_t out[K::kMR * K::kP * kNR];
  for (size_t i = 0; i < sizeof(x); ++i) x[i] = static_cast<int8_t>(i % 7);
  for (size_t i = 0; i < sizeof(w); ++i) w[i] = static_cast<int8_t>(i % 5);
  int32_t sink = 0;
  // Called through a volatile pointer: the production (out-of-line) Tile, not
  // a copy specialized for and inlined into this loop, which GCC 12 compiles
  // differently (accumulators stored to the stack every k-group).
  void (*volatile tile)(const int8_t*, size_t, const int8_t*, size_t, size_t,
                        int32_t*, size_t) = &K::template Tile<K::kMR, K::kP>;
  for (size_t i = 0; i < reps; ++i) {
    tile(x, kBytes, w, kGroups * kGroupBytes, kGroups, out, K::kP * kNR);
    sink += out[i % (sizeof(out) / sizeof(out[0]))];
  }
  gemm_i8_detail::TileLoopSink().fetch_add(sink, std::memory_order_relaxed);
  return static_cast<uint64_t>(reps) * K::kMR * K::kP * kNR * kBytes;
}

// The kernel's dot-product instruction in independent register chains, for
// kernels that define DotPeakLoop (vpdpbusd, sdot); 0 MACs for the others.
template <class K, class = void>
struct HasDotPeakLoop : std::false_type {};
template <class K>
struct HasDotPeakLoop<K, std::void_t<decltype(&K::DotPeakLoop)>>
    : std::true_type {};
template <class K>
uint64_t DotLoop(size_t reps) {
  if constexpr (HasDotPeakLoop<K>::value) {
    int32_t sink = 0;
    const uint64_t macs = K::DotPeakLoop(reps, &sink);
    gemm_i8_detail::TileLoopSink().fetch_add(sink, std::memory_order_relaxed);
    return macs;
  } else {
    return 0;
  }
}

uint64_t DotLoopImpl(size_t reps) {
#if defined(EB_HAVE_DOTPROD_KERNEL)
  if (UseDotProd()) return DotLoop<DotStep>(reps);
#endif
  return DotLoop<Micro>(reps);
}

uint64_t TileLoopImpl(size_t reps) {
#if defined(EB_HAVE_DOTPROD_KERNEL)
  if (UseDotProd()) return TileLoop<MicroDot>(reps);
#endif
  return TileLoop<Micro>(reps);
}

const char* KernelNameImpl() {
#if defined(EB_HAVE_DOTPROD_KERNEL)
  if (UseDotProd()) {
    return HWY_TARGET == HWY_SVE        ? "SVE:dotprod"
           : HWY_TARGET == HWY_SVE_256  ? "SVE_256:dotprod"
           : HWY_TARGET == HWY_SVE2     ? "SVE2:dotprod"
           : HWY_TARGET == HWY_SVE2_128 ? "SVE2_128:dotprod"
                                        : "NEON:dotprod";
  }
#endif
  return HWY_TARGET == HWY_AVX3_DL ? "AVX3_DL:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_AVX3  ? "AVX3:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_AVX2  ? "AVX2:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SSE4  ? "SSE4:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SSSE3 ? "SSSE3:" EB_GEMM_I8_KERNEL
#if HWY_ARCH_ARM
         : HWY_TARGET == HWY_NEON     ? "NEON:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SVE      ? "SVE:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SVE_256  ? "SVE_256:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SVE2     ? "SVE2:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SVE2_128 ? "SVE2_128:" EB_GEMM_I8_KERNEL
#endif
         : HWY_TARGET == HWY_EMU128 ? "EMU128:" EB_GEMM_I8_KERNEL
         : HWY_TARGET == HWY_SCALAR ? "SCALAR:" EB_GEMM_I8_KERNEL
                                    : "other:" EB_GEMM_I8_KERNEL;
}
#undef EB_GEMM_I8_KERNEL
#undef EB_HAVE_DOTPROD_KERNEL

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace edgebert::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(GemmImpl);
HWY_EXPORT(KernelNameImpl);
HWY_EXPORT(TileLoopImpl);
HWY_EXPORT(DotLoopImpl);

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
  a.act = static_cast<int>(epilogue);  // same codes as det::kAct*
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

uint64_t GemmI8TileLoop(size_t reps) {
  return HWY_DYNAMIC_DISPATCH(TileLoopImpl)(reps);
}

uint64_t GemmI8DotLoop(size_t reps) {
  return HWY_DYNAMIC_DISPATCH(DotLoopImpl)(reps);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
