// gemm_bench: int8 GEMM (quantize activations + GemmI8) per Highway target vs
// XNNPACK f32 fully_connected and the Highway f32 GEMM at bert-base shapes,
// m = 128 tokens.
// Usage: gemm_bench [repeats]   (prints ms per call and GOP/s, 2*m*n*k ops)
#include <pthreadpool.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "hwy/targets.h"
#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/kernels.h"
#include "runtime/kernels/quantize_i8.h"
#include "runtime/ops/gemm_f32.h"
#include "runtime/quant/codec.h"

#ifdef EDGEBERT_HAVE_XNNPACK
#include <xnnpack.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

// Fastest of `reps` calls of fn, in ms, after 2 warm-up calls (the minimum is
// the least noisy statistic on a shared machine).
template <class F>
double TimeMs(int reps, F&& fn) {
  fn();
  fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    fn();
    t.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t.front();
}

struct Shape {
  size_t k, n;
};

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  const size_t m = 128;
  const Shape shapes[] = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}};
#ifdef EDGEBERT_HAVE_XNNPACK
  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnn_initialize failed\n");
    return 1;
  }
#endif
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<int64_t> targets;
  for (int64_t t =
           edgebert::kernels::GemmI8CompiledTargets() & hwy::SupportedTargets();
       t != 0; t &= t - 1) {
    targets.push_back(t & -t);
  }
  for (size_t threads : {1, 2}) {
    pthreadpool_t pool = pthreadpool_create(threads);
    for (const Shape& s : shapes) {
      const double gop = 2.0 * m * s.n * s.k * 1e-9;
      std::vector<float> w(s.n * s.k), bias(s.n), x(m * s.k), y(m * s.n);
      for (float& v : w) v = 0.05f * nd(rng);
      for (float& v : bias) v = nd(rng);
      for (float& v : x) v = nd(rng);
      std::vector<int8_t> packed(edgebert::quant::PackedI8Size(s.n, s.k));
      std::vector<float> scales(s.n);
      std::vector<int32_t> ws(s.n);
      edgebert::quant::PackWeightsI8(w.data(), nullptr, s.n, s.k, packed.data(),
                                     scales.data(), ws.data());
      edgebert::kernels::PackedWeightsI8View view;
      view.packed = packed.data();
      view.scales = scales.data();
      view.weight_sums = ws.data();
      view.bias = bias.data();
      view.n = s.n;
      view.k = s.k;
      std::vector<int8_t> xq(
          edgebert::kernels::QuantizedActivationBytes(m, s.k));
      std::vector<float> rs(m);

      double f32_ms = 0.0;
#ifdef EDGEBERT_HAVE_XNNPACK
      xnn_operator_t op = nullptr;
      if (xnn_create_fully_connected_nc_f32(s.k, s.n, s.k, s.n, w.data(),
                                            bias.data(), -INFINITY, INFINITY, 0,
                                            &op) != xnn_status_success ||
          xnn_setup_fully_connected_nc_f32(op, m, x.data(), y.data(), pool) !=
              xnn_status_success) {
        std::fprintf(stderr, "xnnpack fully_connected setup failed\n");
        return 1;
      }
      f32_ms = TimeMs(reps, [&] { xnn_run_operator(op, pool); });
      xnn_delete_operator(op);
      std::printf(
          "threads=%zu m=%zu k=%4zu n=%4zu  xnnpack-f32      %8.3f ms "
          "%7.1f GOP/s\n",
          threads, m, s.k, s.n, f32_ms, gop / (f32_ms * 1e-3));
#endif
      {
        auto hwy_gemm =
            edgebert::GemmF32::Create(w.data(), bias.data(), s.k, s.n,
                                      edgebert::GemmF32::Backend::kHighway);
        if (!hwy_gemm.ok()) {
          std::fprintf(stderr, "%s\n", hwy_gemm.status().ToString().c_str());
          return 1;
        }
        const double hwy_ms = TimeMs(
            reps, [&] { hwy_gemm.value()->Run(x.data(), m, y.data(), pool); });
        std::printf(
            "threads=%zu m=%zu k=%4zu n=%4zu  highway-f32 %-8s %8.3f ms "
            "%7.1f GOP/s\n",
            threads, m, s.k, s.n, edgebert::kernels::ActiveTargetName(), hwy_ms,
            gop / (hwy_ms * 1e-3));
      }
      for (int64_t target : targets) {
        hwy::SetSupportedTargetsForTest(target);
        const double gemm_ms = TimeMs(reps, [&] {
          edgebert::kernels::GemmI8(
              view, xq.data(), rs.data(), m, y.data(), s.n,
              edgebert::kernels::GemmI8Epilogue::kNone, pool);
        });
        const double quant_ms = TimeMs(reps, [&] {
          edgebert::kernels::QuantizeActivations(x.data(), m, s.k, s.k, nullptr,
                                                 xq.data(), rs.data());
        });
        const double total = gemm_ms + quant_ms;
        std::printf(
            "threads=%zu m=%zu k=%4zu n=%4zu  i8 %-16s %8.3f ms "
            "%7.1f GOP/s (gemm %.3f + quantize %.3f ms)",
            threads, m, s.k, s.n, edgebert::kernels::GemmI8KernelName(), total,
            gop / (total * 1e-3), gemm_ms, quant_ms);
        if (f32_ms > 0.0) std::printf("  f32/i8 = %.2fx", f32_ms / total);
        std::printf("\n");
      }
      hwy::SetSupportedTargetsForTest(0);
    }
    pthreadpool_destroy(pool);
  }
  return 0;
}
