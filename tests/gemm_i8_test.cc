// int8 GEMM: every compiled + supported Highway target against the scalar
// reference (int32 accumulators bit-exact, f32 outputs within kOutputRelTol),
// plus the codec (packing, rounding, embeddings).
#include <doctest/doctest.h>

#include "runtime/base/thread_pool.h"
#include "tests/test_env.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "runtime/kernels/activation.h"
#include "runtime/kernels/embedding_i8.h"
#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/gemm_i8_ref.h"
#include "runtime/kernels/gemm_i8_testing.h"
#include "runtime/kernels/kernel_tolerances.h"
#include "runtime/kernels/kernels.h"
#include "runtime/kernels/quantize_i8.h"
#include "runtime/quant/codec.h"
#include "tests/hwy_targets.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

namespace edgebert {
namespace {

using kernels::GemmI8Epilogue;
using kernels::PackedWeightsI8View;

// |y - y_ref| <= kOutputRelTol * (|float(acc) * scale| + |bias| + 1e-2):
// the kernels use FMA and a rational erf (|error| <= tol::kErfMaxAbsErr =
// 4.5e-7, so GELU error <= 0.5 |v| 4.5e-7 + rounding), the reference separate
// multiply-add and std::erf.
constexpr float kOutputRelTol = 1e-5f;

struct Problem {
  size_t m, k, n;
  std::vector<float> w, bias, smooth, inv_smooth, x;
  std::vector<int8_t> packed;
  std::vector<float> scales;
  std::vector<int32_t> ws;
  size_t x_stride;
  PackedWeightsI8View view() const {
    PackedWeightsI8View v;
    v.packed = packed.data();
    v.scales = scales.data();
    v.weight_sums = ws.data();
    v.bias = bias.data();
    v.n = n;
    v.k = k;
    return v;
  }
};

Problem MakeProblem(size_t m, size_t k, size_t n, uint32_t seed,
                    bool with_smooth) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::uniform_real_distribution<float> ud(0.5f, 2.0f);
  Problem p;
  p.m = m;
  p.k = k;
  p.n = n;
  p.x_stride = k + 3;  // exercise the row stride.
  p.w.resize(n * k);
  for (float& v : p.w) v = 0.05f * nd(rng);
  p.bias.resize(n);
  for (float& v : p.bias) v = 0.1f * nd(rng);
  p.x.resize(m * p.x_stride);
  for (float& v : p.x) v = nd(rng);
  // One outlier channel per row, as in real BERT activations.
  for (size_t r = 0; r < m; ++r) p.x[r * p.x_stride + (r * 7) % k] *= 40.0f;
  if (with_smooth) {
    p.smooth.resize(k);
    p.inv_smooth.resize(k);
    for (size_t i = 0; i < k; ++i) {
      p.smooth[i] = ud(rng);
      p.inv_smooth[i] = 1.0f / p.smooth[i];
    }
  }
  p.packed.resize(quant::PackedI8Size(n, k));
  p.scales.resize(n);
  p.ws.resize(n);
  quant::PackWeightsI8(p.w.data(), with_smooth ? p.smooth.data() : nullptr, n,
                       k, p.packed.data(), p.scales.data(), p.ws.data());
  return p;
}

std::vector<int64_t> TargetsToTest() {
  std::vector<int64_t> out;
  const int64_t compiled = kernels::GemmI8CompiledTargets();
  hwy::SetSupportedTargetsForTest(0);
  const int64_t supported = hwy::SupportedTargets();
  for (int64_t t = compiled & supported; t != 0; t &= t - 1) {
    out.push_back(t & -t);
  }
  // E.g. armhf: libhwy reports only EMU128/SCALAR while the kernels were built
  // for the NEON baseline only; dispatch then uses the static target. The
  // entry 0 means "no mock", i.e. exactly that default dispatch.
  if (out.empty()) out.push_back(0);
  return out;
}

// Runs quantization + both GEMM entry points of the current target with the
// given pool and compares against the reference results.
void CheckAgainstReference(const Problem& p, ThreadPool* pool,
                           const std::vector<int8_t>& xq_ref,
                           const std::vector<float>& rs_ref,
                           const std::vector<int32_t>& acc_ref,
                           const std::vector<float>& y_ref,
                           const std::vector<float>& y_gelu_ref,
                           std::vector<float>* y_out = nullptr) {
  const size_t kp = kernels::QuantizedActivationStride(p.k);
  std::vector<int8_t> xq(kernels::QuantizedActivationBytes(p.m, p.k), 99);
  std::vector<float> rs(p.m, -1.0f);
  kernels::QuantizeActivations(
      p.x.data(), p.m, p.k, p.x_stride,
      p.inv_smooth.empty() ? nullptr : p.inv_smooth.data(), xq.data(),
      rs.data());
  REQUIRE(xq.size() == p.m * kp);
  CHECK(std::memcmp(xq.data(), xq_ref.data(), xq.size()) == 0);
  CHECK(std::memcmp(rs.data(), rs_ref.data(), rs.size() * 4) == 0);

  const size_t acc_stride = p.n + 5;
  std::vector<int32_t> acc(p.m * acc_stride, 0x7f7f7f7f);
  kernels::GemmI8Int32(p.view(), xq_ref.data(), p.m, acc.data(), acc_stride,
                       pool);
  size_t acc_mismatch = 0;
  for (size_t r = 0; r < p.m; ++r) {
    for (size_t c = 0; c < p.n; ++c) {
      acc_mismatch += acc[r * acc_stride + c] != acc_ref[r * p.n + c];
    }
    // Columns past n are untouched.
    for (size_t c = p.n; c < acc_stride; ++c) {
      acc_mismatch += acc[r * acc_stride + c] != 0x7f7f7f7f;
    }
  }
  CHECK(acc_mismatch == 0);

  for (GemmI8Epilogue e : {GemmI8Epilogue::kNone, GemmI8Epilogue::kGeluErf}) {
    const std::vector<float>& ref =
        e == GemmI8Epilogue::kNone ? y_ref : y_gelu_ref;
    const size_t y_stride = p.n + 1;
    std::vector<float> y(p.m * y_stride, -7.0f);
    kernels::GemmI8(p.view(), xq_ref.data(), rs_ref.data(), p.m, y.data(),
                    y_stride, e, pool);
    size_t bad = 0;
    for (size_t r = 0; r < p.m; ++r) {
      for (size_t c = 0; c < p.n; ++c) {
        const float got = y[r * y_stride + c];
        const float want = ref[r * p.n + c];
        const float mag = std::fabs(static_cast<float>(acc_ref[r * p.n + c]) *
                                    rs_ref[r] * p.scales[c]) +
                          std::fabs(p.bias[c]) + 1e-2f;
        if (!(std::fabs(got - want) <= kOutputRelTol * mag)) {
          if (bad < 3) {
            MESSAGE("y[" << r << "," << c << "] = " << got << " want " << want);
          }
          ++bad;
        }
      }
      bad += y[r * y_stride + p.n] != -7.0f;  // padding column untouched.
    }
    CHECK(bad == 0);
    if (y_out != nullptr) y_out->insert(y_out->end(), y.begin(), y.end());
  }
}

void RunAllTargets(const Problem& p) {
  const size_t kp = kernels::QuantizedActivationStride(p.k);
  std::vector<int8_t> xq_ref(p.m * kp);
  std::vector<float> rs_ref(p.m);
  kernels::ref::QuantizeActivationsRef(
      p.x.data(), p.m, p.k, p.x_stride,
      p.inv_smooth.empty() ? nullptr : p.inv_smooth.data(), xq_ref.data(),
      rs_ref.data());
  std::vector<int32_t> acc_ref(p.m * p.n);
  kernels::ref::GemmI8Int32Ref(p.view(), xq_ref.data(), p.m, acc_ref.data(),
                               p.n);
  std::vector<float> y_ref(p.m * p.n), y_gelu_ref(p.m * p.n);
  kernels::ref::GemmI8Ref(p.view(), xq_ref.data(), rs_ref.data(), p.m,
                          y_ref.data(), p.n, GemmI8Epilogue::kNone);
  kernels::ref::GemmI8Ref(p.view(), xq_ref.data(), rs_ref.data(), p.m,
                          y_gelu_ref.data(), p.n, GemmI8Epilogue::kGeluErf);

  StatusOr<std::unique_ptr<ThreadPool>> pool = ThreadPool::Create(2);
  REQUIRE(pool.ok());
  ThreadPool* pool2 = pool.value().get();
  // f32 outputs: every FMA target (and the NEON kernel without dot product)
  // must reproduce the first one's bit for bit (det_math-inl.h contract; the
  // int32 accumulators are exact anyway).
  testing::FmaTargetsAgree agree;
  for (int64_t target : TargetsToTest()) {
    hwy::SetSupportedTargetsForTest(target);
    for (int dot = 0; dot < 2; ++dot) {
      kernels::GemmI8DisableDotProdForTest(dot == 1);
      const std::string name = kernels::GemmI8KernelName();
      CAPTURE(name);
      CAPTURE(p.m);
      CAPTURE(p.k);
      CAPTURE(p.n);
      std::vector<float> y_all;
      CheckAgainstReference(p, nullptr, xq_ref, rs_ref, acc_ref, y_ref,
                            y_gelu_ref, &y_all);
      CheckAgainstReference(p, pool2, xq_ref, rs_ref, acc_ref, y_ref,
                            y_gelu_ref, &y_all);
      agree.Record("y", name, y_all);
      kernels::GemmI8DisableDotProdForTest(true);
      // Only NEON has a second kernel; skip the repeat when names agree.
      if (dot == 0 && kernels::GemmI8KernelName() == name) break;
    }
    kernels::GemmI8DisableDotProdForTest(false);
  }
  hwy::SetSupportedTargetsForTest(0);
}

TEST_CASE("gemm_i8: targets under test") {
  std::string names;
  for (int64_t t : TargetsToTest()) {
    hwy::SetSupportedTargetsForTest(t);
    names += std::string(kernels::GemmI8KernelName()) + " ";
  }
  hwy::SetSupportedTargetsForTest(0);
  MESSAGE("gemm_i8 kernels tested: " << names);
  std::printf("gemm_i8 kernels tested: %s(compiled 0x%llx, supported 0x%llx)\n",
              names.c_str(),
              static_cast<unsigned long long>(kernels::GemmI8CompiledTargets()),
              static_cast<unsigned long long>(hwy::SupportedTargets()));
  CHECK(!TargetsToTest().empty());
#if defined(__aarch64__) && defined(__linux__)
  // With the dot product extension every aarch64 target (NEON, and SVE/SVE2
  // at any vector length incl. SVE_256 and SVE2_128) runs the sdot kernel.
  if ((getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0) {
    for (int64_t target : TargetsToTest()) {
      hwy::SetSupportedTargetsForTest(target);
      const std::string name = kernels::GemmI8KernelName();
      CAPTURE(name);
      CHECK(name.size() > 8);
      CHECK(name.substr(name.size() - 8) == ":dotprod");
    }
    hwy::SetSupportedTargetsForTest(0);
  }
#endif
#if defined(__x86_64__)
  // On an AVX-512 VNNI machine all four x86 kernel kinds must be exercised.
  const int64_t t = kernels::GemmI8CompiledTargets() & hwy::SupportedTargets();
  if (t & HWY_AVX3_DL) {
    CHECK((t & HWY_AVX3) != 0);
    CHECK((t & HWY_AVX2) != 0);
  }
#endif
}

// GELU(v) = 0.5 v (1 + erf(v / sqrt2)): with |erf error| <= E the epilogue's
// error is <= 0.5 |v| E, plus one rounding of the final FMA (u |GELU|).
// The epilogue's GELU is det::GeluErf, exposed as kernels::BiasGeluErf.
TEST_CASE("gemm_i8: GELU epilogue erf error within tol::kErfMaxAbsErr") {
  // Dense grid over the curved part (+ tail columns via an odd length), then
  // saturated and special arguments.
  std::vector<float> v;
  for (double t = -8.0; t <= 8.0; t += 1.0 / 16384)
    v.push_back(static_cast<float>(t));
  for (float t : {-1e30f, -1e4f, -40.f, 40.f, 1e4f, 1e30f, 0.f, -0.f, 1e-30f,
                  -1e-30f, 1e-6f}) {
    v.push_back(t);
  }
  if (v.size() % 2 == 0) v.push_back(0.5f);
  constexpr double kU = 5.9604644775390625e-8;  // f32 unit roundoff 2^-24.
  std::vector<float> y(v.size());
  for (int64_t target : TargetsToTest()) {
    hwy::SetSupportedTargetsForTest(target);
    const std::string name = kernels::GemmI8KernelName();
    CAPTURE(name);
    y = v;
    kernels::BiasGeluErf(y.data(), nullptr, 1, y.size());
    double worst = 0.0;  // max |error| / bound.
    size_t bad = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const double x = v[i];
      const double ref = 0.5 * x * (1.0 + std::erf(x * 0.70710678118654752));
      const double bound = 0.5 * std::fabs(x) * kernels::tol::kErfMaxAbsErr +
                           kU * std::fabs(ref) + 1e-45;
      const double err = std::fabs(static_cast<double>(y[i]) - ref);
      worst = std::max(worst, err / bound);
      if (!(err <= bound) && bad++ < 5) {
        std::printf("GELU(%.9g) = %.9g, want %.9g\n", x, y[i], ref);
      }
    }
    CHECK(bad == 0);
    MESSAGE(name << ": max GELU error / bound " << worst);
  }
  hwy::SetSupportedTargetsForTest(0);
}

TEST_CASE("gemm_i8: all targets match the reference bit-exactly") {
  struct Shape {
    size_t m, k, n;
  };
  const Shape shapes[] = {{1, 4, 1},        {3, 5, 7},      {17, 256, 768},
                          {128, 768, 2304}, {7, 1024, 256}, {128, 3072, 768},
                          {9, 37, 50}};
  uint32_t seed = 1;
  for (const Shape& s : shapes) {
    const bool smooth = (seed % 2) == 0;
    RunAllTargets(MakeProblem(testing::CapRowsWhenEmulated(s.m), s.k, s.n,
                              seed++, smooth));
  }
}

TEST_CASE("gemm_i8: zero rows give the bias, extreme values stay exact") {
  Problem p = MakeProblem(11, 3072, 40, 77, false);
  // Row 0: all zero. Row 1: one huge outlier. Row 2: +-max everywhere.
  for (size_t i = 0; i < p.k; ++i) p.x[i] = 0.0f;
  p.x[p.x_stride + 5] = 1.0e30f;
  for (size_t i = 0; i < p.k; ++i) {
    p.x[2 * p.x_stride + i] = (i % 3 == 0) ? -1e-3f : 1e-3f;
  }
  // Weight rows 0..3: +-127 everywhere (|acc| reaches 127 * 127 * K).
  for (size_t r = 0; r < 4; ++r)
    for (size_t i = 0; i < p.k; ++i)
      p.w[r * p.k + i] = ((i + r) % 3 == 0) ? -2.0f : 2.0f;
  // Weight row 5: all zero -> scale 0.
  for (size_t i = 0; i < p.k; ++i) p.w[5 * p.k + i] = 0.0f;
  quant::PackWeightsI8(p.w.data(), nullptr, p.n, p.k, p.packed.data(),
                       p.scales.data(), p.ws.data());
  CHECK(p.scales[5] == 0.0f);
  CHECK(p.ws[5] == 0);
  CHECK(p.scales[0] == 2.0f / 127.0f);

  const size_t kp = kernels::QuantizedActivationStride(p.k);
  std::vector<int8_t> xq(p.m * kp);
  std::vector<float> rs(p.m);
  kernels::QuantizeActivations(p.x.data(), p.m, p.k, p.x_stride, nullptr,
                               xq.data(), rs.data());
  CHECK(rs[0] == 0.0f);
  CHECK(xq[kp + 5] == 127);
  CHECK(xq[kp + 4] == 0);
  CHECK(xq[2 * kp] == -127);
  CHECK(xq[2 * kp + 1] == 127);

  std::vector<float> y(p.m * p.n);
  kernels::GemmI8(p.view(), xq.data(), rs.data(), p.m, y.data(), p.n,
                  GemmI8Epilogue::kNone, nullptr);
  for (size_t c = 0; c < p.n; ++c) CHECK(y[c] == p.bias[c]);
  std::vector<int32_t> acc(p.m * p.n);
  kernels::GemmI8Int32(p.view(), xq.data(), p.m, acc.data(), p.n, nullptr);
  // Row 2 x weight row 1: signs agree except where exactly one of i%3==0 /
  // (i+1)%3==0 holds.
  int64_t expect = 0;
  for (size_t i = 0; i < p.k; ++i) {
    const int a = (i % 3 == 0) ? -127 : 127;
    const int b = ((i + 1) % 3 == 0) ? -127 : 127;
    expect += a * b;
  }
  CHECK(acc[2 * p.n + 1] == expect);
  RunAllTargets(p);
}

TEST_CASE("codec: packing layout, padding and round trip") {
  const size_t n = 19, k = 10;
  Problem p = MakeProblem(1, k, n, 5, true);
  const quant::I8PackedDims d = quant::MakeI8PackedDims(n, k);
  CHECK(d.n_padded == 32);
  CHECK(d.k_padded == 12);
  CHECK(quant::PackedI8Size(n, k) == 32 * 12);
  // Layout formula, checked independently of PackedI8Offset.
  CHECK(quant::PackedI8Offset(17, 9, 12) == 1 * 12 * 16 + 2 * 64 + 1 * 4 + 1);
  std::vector<int8_t> q(n * k);
  quant::UnpackWeightsI8(p.packed.data(), n, k, q.data());
  size_t nonzero_pad = 0;
  for (size_t c = 0; c < d.n_padded; ++c)
    for (size_t i = 0; i < d.k_padded; ++i)
      if (c >= n || i >= k)
        nonzero_pad += p.packed[quant::PackedI8Offset(c, i, d.k_padded)] != 0;
  CHECK(nonzero_pad == 0);
  for (size_t c = 0; c < n; ++c) {
    int32_t sum = 0;
    int max_abs = 0;
    for (size_t i = 0; i < k; ++i) {
      const int8_t v = q[c * k + i];
      sum += v;
      max_abs = std::max(max_abs, std::abs(static_cast<int>(v)));
      // Dequantized smoothed weight within half a step of the original.
      const float w_s = p.w[c * k + i] * p.smooth[i];
      CHECK(std::fabs(v * p.scales[c] - w_s) <= 0.5001f * p.scales[c]);
    }
    CHECK(sum == p.ws[c]);
    CHECK(max_abs == 127);  // the row maximum maps to +-127.
  }
}

TEST_CASE("codec: rounding is half to even") {
  // amax = 127 -> multiplier 1, so q = round(x) exactly.
  const float x[6] = {127.0f, 0.5f, 1.5f, -2.5f, 2.4999f, -0.5f};
  int8_t q[6];
  const float s = quant::QuantizeRow(x, 6, nullptr, q);
  CHECK(s == 1.0f);
  CHECK(q[1] == 0);
  CHECK(q[2] == 2);
  CHECK(q[3] == -2);
  CHECK(q[4] == 2);
  CHECK(q[5] == 0);
  for (int64_t t : TargetsToTest()) {
    hwy::SetSupportedTargetsForTest(t);
    // 17 copies so the vector body (not only the scalar tail) is used.
    std::vector<float> xs(6 * 17);
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = x[i % 6];
    std::vector<int8_t> qv(kernels::QuantizedActivationBytes(1, xs.size()));
    float rs;
    kernels::QuantizeActivations(xs.data(), 1, xs.size(), xs.size(), nullptr,
                                 qv.data(), &rs);
    CHECK(rs == 1.0f);
    for (size_t i = 0; i < xs.size(); ++i) CHECK(qv[i] == q[i % 6]);
  }
  hwy::SetSupportedTargetsForTest(0);
}

// Found by tests/fuzz/fuzz_model.cc (corpus file regress_nan_activation): a
// crafted model's weights made an activation NaN, and its scalar
// quantization converted NaN to int8 (undefined; UBSan aborted). Codes of
// non-finite inputs are unspecified (targets differ) but must be defined:
// every target and the scalar tail run here (tests/sanitizers.sh runs this
// suite under UBSan).
TEST_CASE("codec: NaN and infinities quantize without undefined behaviour") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(quant::QuantizeValue(nan) == 0);
  CHECK(quant::QuantizeValue(-nan) == 0);
  CHECK(quant::QuantizeValue(inf) == 127);
  CHECK(quant::QuantizeValue(-inf) == -127);
  const float x[5] = {1.0f, nan, -3.0f, inf, 2.0f};
  int8_t q[5];
  (void)quant::QuantizeRow(x, 5, nullptr, q);
  CHECK(q[1] == 0);
  for (int64_t t : TargetsToTest()) {
    hwy::SetSupportedTargetsForTest(t);
    // 17 copies: the vector body and the scalar tail (85 is no multiple of
    // a lane count > 1) see NaN and inf. Codes stay in [-127, 127].
    std::vector<float> xs(5 * 17);
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = x[i % 5];
    xs.back() = nan;
    std::vector<int8_t> qv(kernels::QuantizedActivationBytes(1, xs.size()));
    float rs;
    kernels::QuantizeActivations(xs.data(), 1, xs.size(), xs.size(), nullptr,
                                 qv.data(), &rs);
    size_t out_of_range = 0;
    for (int8_t v : qv) out_of_range += v < -127;
    CHECK(out_of_range == 0);
  }
  hwy::SetSupportedTargetsForTest(0);
}

// Largest register tile over all micro-kernels: rows (kMR: 8 on AVX3_DL) and
// columns per task (kP panels of 16: 3 x 16 = 48 on AVX3_DL).
constexpr size_t kMaxTileRows = 8;
constexpr size_t kMaxTaskColumns = 3 * quant::kI8PanelWidth;

// As XNNPACK's GEMM testers: every m from 1 to the tallest tile + 1, every n
// from 1 to the panel width + 1 and the panel-multiple neighbours up to the
// widest task + 1, so each Tile<MR, P> variant of each kernel (row
// remainders, 1-, 2- and 3-panel tasks, partial panels) runs and is compared
// bit-exactly; odd k leaves a partial k-group.
TEST_CASE("gemm_i8: every tile remainder matches the reference bit-exactly") {
  constexpr size_t kPanel = quant::kI8PanelWidth;
  std::vector<size_t> ns;
  for (size_t n = 1; n <= kPanel + 1; ++n) ns.push_back(n);
  for (size_t n = 2 * kPanel - 1; n <= kMaxTaskColumns + 1; n += kPanel) {
    ns.insert(ns.end(), {n, n + 1, n + 2});
  }
  uint32_t seed = 100;
  for (size_t m = 1; m <= kMaxTileRows + 1; ++m) {
    for (size_t n : ns) {
      const size_t k = 2 * (m % 3) + 5;  // 5, 7, 9.
      RunAllTargets(MakeProblem(m, k, n, seed, (seed % 2) == 0));
      ++seed;
    }
  }
}

TEST_CASE("embeddings: vectorized dequantize matches the codec") {
  const size_t rows = 13, dim = 771;
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.0f, 0.3f);
  std::vector<float> e(rows * dim);
  for (float& v : e) v = nd(rng);
  for (size_t i = 0; i < dim; ++i) e[4 * dim + i] = 0.0f;  // zero row.
  std::vector<int8_t> q(rows * dim);
  std::vector<float> s(rows);
  quant::QuantizeEmbeddingRows(e.data(), rows, dim, q.data(), s.data());
  CHECK(s[4] == 0.0f);
  for (int64_t t : TargetsToTest()) {
    hwy::SetSupportedTargetsForTest(t);
    CAPTURE(hwy::TargetName(t));
    std::vector<float> out(dim), out_ref(dim);
    for (size_t r = 0; r < rows; ++r) {
      kernels::DequantizeRowI8(q.data() + r * dim, dim, s[r], out.data());
      quant::DequantizeRow(q.data() + r * dim, dim, s[r], out_ref.data());
      CHECK(std::memcmp(out.data(), out_ref.data(), dim * 4) == 0);
      for (size_t i = 0; i < dim; ++i) {
        CHECK(std::fabs(out[i] - e[r * dim + i]) <= 0.5001f * s[r]);
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
}

// The tanh-GELU and ReLU epilogues apply, bit for bit, the f32 kernel
// kernels::BiasActivation (tested against its double reference with
// tol::kGeluTanhRelErr in activation_lstm_test.cc) to the kNone output, on
// every target; and stay within that bound of GemmI8Ref.
TEST_CASE("gemm_i8: tanh-GELU / ReLU epilogues = kNone + BiasActivation") {
  const Problem p =
      MakeProblem(testing::CapRowsWhenEmulated(9), 100, 37, 5, true);
  const size_t kp = kernels::QuantizedActivationStride(p.k);
  std::vector<int8_t> xq(p.m * kp);
  std::vector<float> rs(p.m);
  kernels::ref::QuantizeActivationsRef(p.x.data(), p.m, p.k, p.x_stride,
                                       p.inv_smooth.data(), xq.data(),
                                       rs.data());
  const std::pair<GemmI8Epilogue, kernels::Act> kinds[] = {
      {GemmI8Epilogue::kGeluTanh, kernels::Act::kGeluTanh},
      {GemmI8Epilogue::kRelu, kernels::Act::kRelu}};
  for (const auto& [epi, act] : kinds) {
    std::vector<float> want(p.m * p.n);
    kernels::ref::GemmI8Ref(p.view(), xq.data(), rs.data(), p.m, want.data(),
                            p.n, epi);
    for (int64_t target : TargetsToTest()) {
      hwy::SetSupportedTargetsForTest(target);
      CAPTURE(kernels::GemmI8KernelName());
      std::vector<float> y(p.m * p.n), lin(p.m * p.n);
      kernels::GemmI8(p.view(), xq.data(), rs.data(), p.m, y.data(), p.n, epi,
                      nullptr);
      kernels::GemmI8(p.view(), xq.data(), rs.data(), p.m, lin.data(), p.n,
                      GemmI8Epilogue::kNone, nullptr);
      std::vector<float> v = lin;
      kernels::BiasActivation(lin.data(), nullptr, p.m, p.n, act);
      CHECK(std::memcmp(y.data(), lin.data(), y.size() * 4) == 0);
      for (size_t i = 0; i < y.size(); ++i) {
        const float mag = std::fabs(v[i]) + 1e-2f;
        CHECK(std::fabs(y[i] - want[i]) <=
              kernels::tol::kGeluTanhRelErr * std::fabs(v[i]) +
                  kOutputRelTol * mag);
      }
    }
    hwy::SetSupportedTargetsForTest(0);
  }
}

// Two-pass activations: rows [0, m) are QuantizeActivations', rows [m, 2m)
// the codec's residual quantized again, bit for bit on every target; the
// residual is at most half a first-pass step, so the second scale is at most
// 1/254 of the first and the two-pass reconstruction error at most half a
// second-pass step.
TEST_CASE("quantize_i8: two-pass activations match the codec on every target") {
  struct Shape {
    size_t m, k;
  };
  const Shape shapes[] = {{1, 1}, {3, 5}, {9, 37}, {17, 128}, {33, 312}};
  uint32_t seed = 40;
  for (const Shape& s : shapes) {
    const Problem p = MakeProblem(s.m, s.k, 1, seed, (seed % 2) == 0);
    ++seed;
    const float* inv = p.inv_smooth.empty() ? nullptr : p.inv_smooth.data();
    const size_t kp = kernels::QuantizedActivationStride(p.k);
    std::vector<int8_t> want(2 * p.m * kp, 0);
    std::vector<float> want_rs(2 * p.m);
    kernels::ref::QuantizeActivationsTwoPassRef(
        p.x.data(), p.m, p.k, p.x_stride, inv, want.data(), want_rs.data());
    for (size_t row = 0; row < p.m; ++row) {
      const float* x = p.x.data() + row * p.x_stride;
      CHECK(want_rs[p.m + row] <= want_rs[row] / 254.0f * (1.0f + 1e-6f));
      for (size_t i = 0; i < p.k; ++i) {
        const double v = inv ? double(x[i] * inv[i]) : double(x[i]);
        const double got =
            double(want_rs[row]) * want[row * kp + i] +
            double(want_rs[p.m + row]) * want[(p.m + row) * kp + i];
        CHECK(std::fabs(v - got) <=
              0.5 * want_rs[p.m + row] * (1.0 + 1e-5) + 1e-6 * std::fabs(v));
      }
    }
    for (int64_t target : TargetsToTest()) {
      hwy::SetSupportedTargetsForTest(target);
      CAPTURE(kernels::GemmI8KernelName());
      CAPTURE(p.m);
      CAPTURE(p.k);
      std::vector<int8_t> xq(2 * p.m * kp, 99);
      std::vector<float> rs(2 * p.m, -1.0f), scratch(p.k);
      kernels::QuantizeActivationsTwoPass(p.x.data(), p.m, p.k, p.x_stride, inv,
                                          xq.data(), rs.data(), scratch.data());
      CHECK(std::memcmp(xq.data(), want.data(), xq.size()) == 0);
      CHECK(std::memcmp(rs.data(), want_rs.data(), rs.size() * 4) == 0);
    }
    hwy::SetSupportedTargetsForTest(0);
  }
}

}  // namespace
}  // namespace edgebert
