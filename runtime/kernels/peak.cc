// Peak-rate loops (see peak.h). Highway skeleton: this file is re-included
// once per target by foreach_target.h.
#include "runtime/kernels/peak.h"

#include <time.h>
#include <algorithm>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "runtime/kernels/gemm_i8.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/peak.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace edgebert::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 16 independent accumulators: 2 FMA pipes x latency 4-5 cycles, with room.
uint64_t F32FmaLoopImpl(size_t reps) {
  const hn::ScalableTag<float> d;
  const auto m = hn::Set(d, 0.999f);
  const auto c = hn::Set(d, 1e-3f);
  // Distinct start values: identical chains would be merged by the compiler.
  auto a0 = hn::Set(d, 1.0f), a1 = hn::Set(d, 1.01f), a2 = hn::Set(d, 1.02f),
       a3 = hn::Set(d, 1.03f), a4 = hn::Set(d, 1.04f), a5 = hn::Set(d, 1.05f),
       a6 = hn::Set(d, 1.06f), a7 = hn::Set(d, 1.07f), a8 = hn::Set(d, 1.08f),
       a9 = hn::Set(d, 1.09f), a10 = hn::Set(d, 1.10f), a11 = hn::Set(d, 1.11f),
       a12 = hn::Set(d, 1.12f), a13 = hn::Set(d, 1.13f),
       a14 = hn::Set(d, 1.14f), a15 = hn::Set(d, 1.15f);
  for (size_t i = 0; i < reps; ++i) {
    a0 = hn::MulAdd(a0, m, c);
    a1 = hn::MulAdd(a1, m, c);
    a2 = hn::MulAdd(a2, m, c);
    a3 = hn::MulAdd(a3, m, c);
    a4 = hn::MulAdd(a4, m, c);
    a5 = hn::MulAdd(a5, m, c);
    a6 = hn::MulAdd(a6, m, c);
    a7 = hn::MulAdd(a7, m, c);
    a8 = hn::MulAdd(a8, m, c);
    a9 = hn::MulAdd(a9, m, c);
    a10 = hn::MulAdd(a10, m, c);
    a11 = hn::MulAdd(a11, m, c);
    a12 = hn::MulAdd(a12, m, c);
    a13 = hn::MulAdd(a13, m, c);
    a14 = hn::MulAdd(a14, m, c);
    a15 = hn::MulAdd(a15, m, c);
  }
  const auto s =
      hn::Add(hn::Add(hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)),
                      hn::Add(hn::Add(a4, a5), hn::Add(a6, a7))),
              hn::Add(hn::Add(hn::Add(a8, a9), hn::Add(a10, a11)),
                      hn::Add(hn::Add(a12, a13), hn::Add(a14, a15))));
  static std::atomic<float> sink{0.0f};
  sink.store(hn::GetLane(s), std::memory_order_relaxed);
  return static_cast<uint64_t>(reps) * 16 * hn::Lanes(d);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace edgebert::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace edgebert::kernels {

HWY_EXPORT(F32FmaLoopImpl);

uint64_t F32FmaLoop(size_t reps) {
  return HWY_DYNAMIC_DISPATCH(F32FmaLoopImpl)(reps);
}

namespace {

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

// Best GMAC/s of 3 runs of `loop`, each sized to about `seconds` from a
// short calibration run. Timed on the thread's CPU clock: on a loaded
// machine, time spent waiting for a core does not count.
double BestRate(const std::function<uint64_t(size_t)>& loop, double seconds) {
  auto timed = [&](size_t reps, double* secs) {
    const double t0 = ThreadCpuSeconds();
    const uint64_t macs = loop(reps);
    *secs = ThreadCpuSeconds() - t0;
    return macs;
  };
  size_t reps = 64;
  double secs = 0.0;
  while (timed(reps, &secs) > 0 && secs < seconds / 8 && reps < (1u << 30)) {
    reps *= 2;
  }
  reps = std::max<size_t>(
      1, static_cast<size_t>(reps * seconds / std::max(secs, 1e-9)));
  double best = 0.0;
  for (int run = 0; run < 3; ++run) {
    const uint64_t macs = timed(reps, &secs);
    best = std::max(best, static_cast<double>(macs) / secs / 1e9);
  }
  return best;
}

}  // namespace

PeakRates MeasurePeakRates(double seconds_per_run) {
  PeakRates r;
  r.i8_tile_gmacs = BestRate(GemmI8TileLoop, seconds_per_run);
  const bool has_dot = GemmI8DotLoop(1) > 0;
  r.i8_gmacs =
      has_dot ? BestRate(GemmI8DotLoop, seconds_per_run) : r.i8_tile_gmacs;
  r.i8_method = has_dot ? "instruction" : "tile";
  r.f32_gmacs = BestRate(F32FmaLoop, seconds_per_run);
  return r;
}

}  // namespace edgebert::kernels
#endif  // HWY_ONCE
