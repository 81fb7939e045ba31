// Highway implementation of runtime/kernels/gemm_f32_hwy.h.
#include "runtime/kernels/gemm_f32_hwy.h"

#include <array>
#include <cstring>
#include <utility>

#include "runtime/base/status.h"
#include "runtime/kernels/gemm_f32_hwy_layout.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/gemm_f32_hwy.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most one panel per vector: a vector never straddles two panels.
using DF = hn::CappedTag<float, kF32PanelWidth>;

// Rows per micro-kernel: 8 x 2 accumulators + 2 weights + 1 broadcast of 32
// vector registers (AVX-512, NEON/SVE): 16 independent FMA chains cover
// 4-cycle latency x 2 pipes twice; 6 x 2 + 3 fit in 16 (AVX2, SSE4). 12 x 2
// on AVX-512 (fewer loads per FMA) measured no faster on Zen 4 and loses on
// 32-row inputs (12 + 12 + 8), ports/README.md.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_ARCH_ARM_A64
constexpr size_t kMR = 8;
#else
constexpr size_t kMR = 6;
#endif
// Rows per parallel tile (a multiple of kMR).
constexpr size_t kRowsPerTile = kMR * 8;
constexpr size_t kWStride = kF32PanelWidth;  // floats per k in a panel

// Accumulators are separate variables (not arrays): sizeless SVE/RVV vectors
// cannot form arrays.
#define EB_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

// Initial value of one row's accumulator for vector `half` (0 or 1): the
// padded bias, or when accumulating the row's current y (y_row, ncols valid
// floats, copied through tmp when ncols < 2 vectors). A function rather
// than a lambda: GCC kept the lambda out of line (5% of bert-base f32 time
// in `perf`, 16 calls per micro-kernel call).
template <class D>
HWY_INLINE hn::Vec<D> InitAcc(D d, hn::Vec<D> bias, bool accumulate, bool full,
                              const float* HWY_RESTRICT y_row, size_t ncols,
                              size_t half, float* HWY_RESTRICT tmp) {
  if (!accumulate) return bias;
  const size_t N = hn::Lanes(d);
  if (full) return hn::LoadU(d, y_row + half * N);
  std::memcpy(tmp, y_row, ncols * sizeof(float));
  return hn::Load(d, tmp + half * N);
}

// For rows r < kRows and columns c < ncols (<= 2 vectors):
//   y[r, c] = init[r, c] + sum_{kk < kc} x[r * x_stride + kk] * w[kk, c],
// w[kk, c] = w0[kk * 16 + c] for the first vector, w1[kk * 16 + c - N] for
// the second; init = y itself if `accumulate`, else the padded bias.
template <size_t kRows>
HWY_INLINE void MicroKernel(const float* HWY_RESTRICT x, size_t x_stride,
                            size_t kc, const float* HWY_RESTRICT w0,
                            const float* HWY_RESTRICT w1,
                            const float* HWY_RESTRICT pbias, bool accumulate,
                            float* HWY_RESTRICT y, size_t n, size_t ncols) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const bool full = ncols == 2 * N;
  HWY_ALIGN float tmp[2 * kF32PanelWidth];
  const auto b0 = hn::Load(d, pbias);
  const auto b1 = hn::Load(d, pbias + N);
#define EB_INIT(r)                                                           \
  auto c##r##0 =                                                             \
      r < kRows ? InitAcc(d, b0, accumulate, full, y + r * n, ncols, 0, tmp) \
                : b0;                                                        \
  auto c##r##1 =                                                             \
      r < kRows ? InitAcc(d, b1, accumulate, full, y + r * n, ncols, 1, tmp) \
                : b1;
  EB_ROWS(EB_INIT)
#undef EB_INIT
  for (size_t kk = 0; kk < kc; ++kk) {
    const auto v0 = hn::LoadU(d, w0 + kk * kWStride);
    const auto v1 = hn::LoadU(d, w1 + kk * kWStride);
#define EB_FMA(r)                                    \
  if constexpr (r < kRows) {                         \
    const auto a = hn::Set(d, x[r * x_stride + kk]); \
    c##r##0 = hn::MulAdd(a, v0, c##r##0);            \
    c##r##1 = hn::MulAdd(a, v1, c##r##1);            \
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
                               const float* w0, const float* w1,
                               const float* pbias, bool accumulate, float* y,
                               size_t n, size_t ncols) {
  MicroKernel<kRows>(x, x_stride, kc, w0, w1, pbias, accumulate, y, n, ncols);
}

using MicroFn = void (*)(const float*, size_t, size_t, const float*,
                         const float*, const float*, bool, float*, size_t,
                         size_t);

template <size_t... kRows>
constexpr auto MakeMicroFns(std::index_sequence<kRows...>) {
  return std::array<MicroFn, sizeof...(kRows)>{MicroKernelN<kRows + 1>...};
}

struct GemmTask {
  const float* packed;
  const float* pbias;
  const float* x;
  float* y;
  size_t k, n, m, num_row_tiles;
};

// Start of column c's vector in the packed weights, at k = 0.
const float* ColumnBase(const float* packed, size_t k, size_t c) {
  return packed + c / kF32PanelWidth * kF32PanelWidth * k + c % kF32PanelWidth;
}

// One tile: column block b (2 vectors) x up to kRowsPerTile rows. K is split
// into blocks of kc = 8192 / (2 N) floats, so that the weight slice (32 KiB)
// stays in L1/L2 while every row block of the tile streams over it; y is the
// accumulator between K blocks.
void GemmTile(void* context, size_t tile) {
  const GemmTask& t = *static_cast<const GemmTask*>(context);
  static constexpr auto kFns = MakeMicroFns(std::make_index_sequence<kMR>());
  const size_t N = hn::Lanes(DF());
  const size_t b = tile / t.num_row_tiles;
  const size_t row_begin = (tile % t.num_row_tiles) * kRowsPerTile;
  const size_t row_end =
      row_begin + kRowsPerTile < t.m ? row_begin + kRowsPerTile : t.m;
  const size_t col = b * 2 * N;
  const size_t ncols = t.n - col < 2 * N ? t.n - col : 2 * N;
  const float* w0 = ColumnBase(t.packed, t.k, col);
  // A second vector past the last panel reads the first (and is discarded).
  const float* w1 = col + N < F32PackedFloats(t.n, 1)
                        ? ColumnBase(t.packed, t.k, col + N)
                        : w0;
  const size_t kc_max = 8192 / (2 * N);
  for (size_t k0 = 0; k0 < t.k; k0 += kc_max) {
    const size_t kc = t.k - k0 < kc_max ? t.k - k0 : kc_max;
    for (size_t r = row_begin; r < row_end; r += kMR) {
      const size_t rows = row_end - r < kMR ? row_end - r : kMR;
      kFns[rows - 1](t.x + r * t.k + k0, t.k, kc, w0 + k0 * kWStride,
                     w1 + k0 * kWStride, t.pbias + col,
                     /*accumulate=*/k0 != 0, t.y + r * t.n + col, t.n, ncols);
    }
  }
}

void RunImpl(const float* packed, const float* pbias, size_t k, size_t n,
             const float* x, size_t m, float* y, ThreadPool* pool) {
  if (m == 0) return;
  const size_t nb = 2 * hn::Lanes(DF());
  GemmTask task{packed, pbias, x, y,
                k,      n,     m, (m + kRowsPerTile - 1) / kRowsPerTile};
  ParallelFor(pool, &GemmTile, &task, (n + nb - 1) / nb * task.num_row_tiles);
}

}  // namespace edgebert::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(RunImpl);

namespace {
// The bias is padded to a multiple of this many floats (2 vectors of at most
// one panel each), so the micro-kernel's bias loads stay in bounds.
constexpr size_t kBiasAlign = 2 * kF32PanelWidth;
}  // namespace

bool GemmF32Hwy::SetBias(const float* bias) {
  const size_t padded = (n_ + kBiasAlign - 1) / kBiasAlign * kBiasAlign;
  bias_ = hwy::AllocateAligned<float>(padded);
  if (!bias_) return false;
  for (size_t c = 0; c < padded; ++c) {
    bias_[c] = (bias != nullptr && c < n_) ? bias[c] : 0.0f;
  }
  owned_floats_ += padded;
  return true;
}

bool GemmF32Hwy::Pack(const float* weight, const float* bias, size_t k,
                      size_t n) {
  EB_CHECK(k > 0 && n > 0);
  const size_t floats = F32PackedFloats(n, k);
  auto packed = hwy::AllocateAligned<float>(floats);
  if (!packed) return false;
  PackF32Weights(weight, n, k, packed.get());
  if (!Wrap(packed.get(), bias, k, n)) return false;
  owned_ = std::move(packed);
  owned_floats_ += floats;
  return true;
}

bool GemmF32Hwy::Wrap(const float* packed, const float* bias, size_t k,
                      size_t n) {
  EB_CHECK(k > 0 && n > 0 && packed != nullptr);
  k_ = k;
  n_ = n;
  weights_ = packed;
  owned_.reset();
  owned_floats_ = 0;
  return SetBias(bias);
}

void GemmF32Hwy::Run(const float* x, size_t m, float* y,
                     ThreadPool* pool) const {
  HWY_DYNAMIC_DISPATCH(RunImpl)(weights_, bias_.get(), k_, n_, x, m, y, pool);
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
