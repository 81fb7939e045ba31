// Highway implementation of runtime/kernels/gemm_f32_hwy.h.
#include "runtime/kernels/gemm_f32_hwy.h"

#include <cstring>
#include <utility>

#include "runtime/base/status.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/gemm_f32_hwy.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;

// Rows per micro-kernel: 8 x 2 accumulators + 2 weights + 1 broadcast fit in
// 32 vector registers; 6 x 2 + 3 fit in 16.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_ARCH_ARM_A64
constexpr size_t kMR = 8;
#else
constexpr size_t kMR = 6;
#endif
// Rows per parallel tile (a multiple of kMR).
constexpr size_t kRowsPerTile = kMR * 8;

size_t PanelWidthImpl() { return 2 * hn::Lanes(DF()); }

// Accumulators are separate variables (not arrays): sizeless SVE/RVV vectors
// cannot form arrays.
#define EB_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

// For rows r < kRows and columns c < ncols (<= nr = 2 vectors):
//   y[r, c] = init[r, c] + sum_{kk < kc} x[r * x_stride + kk] * panel[kk, c],
// init = y itself if `accumulate`, else the (padded) bias.
template <size_t kRows>
HWY_INLINE void MicroKernel(const float* HWY_RESTRICT x, size_t x_stride,
                            size_t kc, const float* HWY_RESTRICT panel,
                            const float* HWY_RESTRICT pbias, bool accumulate,
                            float* HWY_RESTRICT y, size_t n, size_t ncols) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t nr = 2 * N;
  const bool full = ncols == nr;
  HWY_ALIGN float tmp[2 * HWY_MAX_BYTES / sizeof(float)];
  const auto b0 = hn::Load(d, pbias);
  const auto b1 = hn::Load(d, pbias + N);
  // Initial value of row r's accumulators.
  auto init = [&](size_t r, size_t half) {
    if (!accumulate) return half == 0 ? b0 : b1;
    if (full) return hn::LoadU(d, y + r * n + half * N);
    std::memcpy(tmp, y + r * n, ncols * sizeof(float));
    return hn::Load(d, tmp + half * N);
  };
#define EB_INIT(r)                            \
  auto c##r##0 = r < kRows ? init(r, 0) : b0; \
  auto c##r##1 = r < kRows ? init(r, 1) : b1;
  EB_ROWS(EB_INIT)
#undef EB_INIT
  for (size_t kk = 0; kk < kc; ++kk) {
    const auto w0 = hn::Load(d, panel + kk * nr);
    const auto w1 = hn::Load(d, panel + kk * nr + N);
#define EB_FMA(r)                                    \
  if constexpr (r < kRows) {                         \
    const auto a = hn::Set(d, x[r * x_stride + kk]); \
    c##r##0 = hn::MulAdd(a, w0, c##r##0);            \
    c##r##1 = hn::MulAdd(a, w1, c##r##1);            \
  }
    EB_ROWS(EB_FMA)
#undef EB_FMA
  }
  if (full) {
#define EB_STORE(r)                        \
  if constexpr (r < kRows) {               \
    hn::StoreU(c##r##0, d, y + r * n);     \
    hn::StoreU(c##r##1, d, y + r * n + N); \
  }
    EB_ROWS(EB_STORE)
#undef EB_STORE
  } else {
#define EB_STORE_PARTIAL(r)                             \
  if constexpr (r < kRows) {                            \
    hn::Store(c##r##0, d, tmp);                         \
    hn::Store(c##r##1, d, tmp + N);                     \
    std::memcpy(y + r * n, tmp, ncols * sizeof(float)); \
  }
    EB_ROWS(EB_STORE_PARTIAL)
#undef EB_STORE_PARTIAL
  }
}
#undef EB_ROWS

template <size_t kRows>
HWY_NOINLINE void MicroKernelN(const float* x, size_t x_stride, size_t kc,
                               const float* panel, const float* pbias,
                               bool accumulate, float* y, size_t n,
                               size_t ncols) {
  MicroKernel<kRows>(x, x_stride, kc, panel, pbias, accumulate, y, n, ncols);
}

using MicroFn = void (*)(const float*, size_t, size_t, const float*,
                         const float*, bool, float*, size_t, size_t);

struct GemmTask {
  const float* packed;
  const float* pbias;
  const float* x;
  float* y;
  size_t k, n, m, nr, num_row_tiles;
};

// One tile: panel p x up to kRowsPerTile rows. K is split into blocks of
// kc = 8192 / nr floats, so that the panel slice (kc x nr floats = 32 KiB)
// stays in L1/L2 while every row block of the tile streams over it; y is the
// accumulator between K blocks.
void GemmTile(void* context, size_t tile) {
  const GemmTask& t = *static_cast<const GemmTask*>(context);
  static constexpr MicroFn kFns[8] = {
      MicroKernelN<1>, MicroKernelN<2>, MicroKernelN<3>, MicroKernelN<4>,
      MicroKernelN<5>, MicroKernelN<6>, MicroKernelN<7>, MicroKernelN<8>};
  const size_t p = tile / t.num_row_tiles;
  const size_t row_begin = (tile % t.num_row_tiles) * kRowsPerTile;
  const size_t row_end =
      row_begin + kRowsPerTile < t.m ? row_begin + kRowsPerTile : t.m;
  const size_t col = p * t.nr;
  const size_t ncols = t.n - col < t.nr ? t.n - col : t.nr;
  const float* panel = t.packed + p * t.k * t.nr;
  const size_t kc_max = 8192 / t.nr;
  for (size_t k0 = 0; k0 < t.k; k0 += kc_max) {
    const size_t kc = t.k - k0 < kc_max ? t.k - k0 : kc_max;
    for (size_t r = row_begin; r < row_end; r += kMR) {
      const size_t rows = row_end - r < kMR ? row_end - r : kMR;
      kFns[rows - 1](t.x + r * t.k + k0, t.k, kc, panel + k0 * t.nr,
                     t.pbias + col, /*accumulate=*/k0 != 0, t.y + r * t.n + col,
                     t.n, ncols);
    }
  }
}

void RunImpl(const float* packed, const float* pbias, size_t k, size_t n,
             size_t nr, const float* x, size_t m, float* y, ThreadPool* pool) {
  EB_CHECK(nr == PanelWidthImpl());  // packed for another target.
  if (m == 0) return;
  const size_t num_panels = (n + nr - 1) / nr;
  GemmTask task{
      packed, pbias, x, y, k, n, m, nr, (m + kRowsPerTile - 1) / kRowsPerTile};
  ParallelFor(pool, &GemmTile, &task, num_panels * task.num_row_tiles);
}

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(PanelWidthImpl);
HWY_EXPORT(RunImpl);

size_t GemmF32HwyPanelWidth() { return HWY_DYNAMIC_DISPATCH(PanelWidthImpl)(); }

bool GemmF32Hwy::Pack(const float* weight, const float* bias, size_t k,
                      size_t n) {
  EB_CHECK(k > 0 && n > 0);
  const size_t nr = GemmF32HwyPanelWidth();
  const size_t num_panels = (n + nr - 1) / nr;
  const size_t floats = num_panels * nr * (k + 1);
  auto packed = hwy::AllocateAligned<float>(floats);
  if (!packed) return false;
  float* dst = packed.get();
  for (size_t p = 0; p < num_panels; ++p) {
    for (size_t kk = 0; kk < k; ++kk) {
      for (size_t j = 0; j < nr; ++j) {
        const size_t col = p * nr + j;
        *dst++ = col < n ? weight[col * k + kk] : 0.0f;
      }
    }
  }
  for (size_t col = 0; col < num_panels * nr; ++col) {
    *dst++ = (bias != nullptr && col < n) ? bias[col] : 0.0f;
  }
  k_ = k;
  n_ = n;
  nr_ = nr;
  packed_floats_ = floats;
  packed_ = std::move(packed);
  return true;
}

void GemmF32Hwy::Run(const float* x, size_t m, float* y,
                     ThreadPool* pool) const {
  const size_t num_panels = (n_ + nr_ - 1) / nr_;
  const float* pbias = packed_.get() + num_panels * nr_ * k_;
  HWY_DYNAMIC_DISPATCH(RunImpl)
  (packed_.get(), pbias, k_, n_, nr_, x, m, y, pool);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
