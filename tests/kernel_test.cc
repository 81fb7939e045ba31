// Every kernel of kernels.h on every Highway target compiled in and supported
// by this CPU, against the double references of kernels_ref.h, with the
// derived bounds of kernel_tolerances.h.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <hwy/highway.h>
#include <hwy/targets.h>

#include "runtime/kernels/kernel_tolerances.h"
#include "runtime/kernels/kernels.h"
#include "runtime/kernels/kernels_ref.h"
#include "runtime/kernels/kernels_testing.h"
#include "tests/hwy_targets.h"

namespace edgebert::kernels {
namespace {

using testing::ForEachTarget;
using testing::Uniform;

// det::kExpFlushBelow (det_math-inl.h is per-target, not includable here).
constexpr float det_flush_below = -64.0f;

TEST_CASE("targets: at least two are compiled and supported") {
  std::string list;
  const auto names = ForEachTarget([] {});
  for (const auto& n : names) list += n + " ";
  std::printf("kernel_test: Highway targets tested: %s(default: %s)\n",
              list.c_str(), ActiveTargetName());
#if HWY_ARCH_X86_64
  CHECK(names.size() >= 2);
#endif
  CHECK(!names.empty());
}

TEST_CASE("AddLayerNorm matches the reference on every target") {
  const float eps = 1e-12f;
  for (size_t cols : {1, 7, 256, 768, 1000}) {
    const size_t rows = 3;
    const auto x = Uniform(rows * cols, -2.0f, 3.0f, 1 + cols);
    const auto res = Uniform(rows * cols, -1.0f, 1.0f, 2 + cols);
    const auto gamma = Uniform(cols, 0.5f, 1.5f, 3 + cols);
    const auto beta = Uniform(cols, -1.0f, 1.0f, 4 + cols);
    for (bool with_res : {false, true}) {
      const float* r = with_res ? res.data() : nullptr;
      std::vector<float> want(rows * cols);
      ref::AddLayerNorm(x.data(), r, gamma.data(), beta.data(), eps, rows, cols,
                        want.data());
      // Per-element bound of kernel_tolerances.h (row statistics in double).
      std::vector<float> bound(rows * cols);
      for (size_t i = 0; i < rows; ++i) {
        double mean = 0, var = 0;
        std::vector<double> v(cols);
        for (size_t c = 0; c < cols; ++c) {
          v[c] =
              with_res ? x[i * cols + c] + res[i * cols + c] : x[i * cols + c];
          mean += v[c];
        }
        mean /= cols;
        for (size_t c = 0; c < cols; ++c) var += (v[c] - mean) * (v[c] - mean);
        const double inv = 1.0 / std::sqrt(var / cols + eps);
        for (size_t c = 0; c < cols; ++c) {
          const double n = std::abs(v[c] - mean) * inv;
          bound[i * cols + c] = static_cast<float>(
              tol::LayerNormRelErr(cols) *
              (std::abs(gamma[c]) * (n + std::abs(mean) * inv + 1) +
               std::abs(beta[c])));
        }
      }
      ForEachTarget([&] {
        INFO("cols ", cols, " residual ", with_res);
        std::vector<float> got(rows * cols);
        AddLayerNorm(x.data(), r, gamma.data(), beta.data(), eps, rows, cols,
                     got.data());
        for (size_t i = 0; i < rows * cols; ++i) {
          REQUIRE(std::abs(got[i] - want[i]) <= bound[i]);
        }
        // In place: y aliases x, and (with a residual) y aliases residual.
        std::vector<float> inplace = x;
        AddLayerNorm(inplace.data(), r, gamma.data(), beta.data(), eps, rows,
                     cols, inplace.data());
        CHECK(inplace == got);
        if (with_res) {
          std::vector<float> inres = res;
          AddLayerNorm(x.data(), inres.data(), gamma.data(), beta.data(), eps,
                       rows, cols, inres.data());
          CHECK(inres == got);
        }
      });
    }
  }
}

TEST_CASE("AddLayerNorm of a constant row is beta") {
  // var = 0: output (v - mean) / sqrt(eps) * gamma + beta = beta exactly.
  const size_t cols = 37;
  std::vector<float> x(cols, 3.25f), gamma(cols, 2.0f), y(cols);
  const auto beta = Uniform(cols, -1.0f, 1.0f, 9);
  ForEachTarget([&] {
    AddLayerNorm(x.data(), nullptr, gamma.data(), beta.data(), 1e-12f, 1, cols,
                 y.data());
    CHECK(y == beta);
  });
}

TEST_CASE("BiasGeluErf matches the reference on every target") {
  for (size_t cols : {1, 7, 256, 768, 1000}) {
    const size_t rows = 2;
    auto x = Uniform(rows * cols, -6.0f, 6.0f, 10 + cols);
    // Large magnitudes and exact special points.
    const float special[] = {10.0f, -10.0f, 1e4f,    -1e4f, 0.0f,
                             -0.0f, 1e-30f, -1e-30f, 3e38f, -3e38f};
    for (size_t i = 0; i < std::size(special) && i < x.size(); ++i) {
      x[(i * 7919) % x.size()] = special[i];
    }
    const auto bias = Uniform(cols, -0.5f, 0.5f, 11 + cols);
    for (bool with_bias : {false, true}) {
      const float* b = with_bias ? bias.data() : nullptr;
      std::vector<float> want = x;
      ref::BiasGeluErf(want.data(), b, rows, cols);
      ForEachTarget([&] {
        INFO("cols ", cols, " bias ", with_bias);
        std::vector<float> got = x;
        BiasGeluErf(got.data(), b, rows, cols);
        for (size_t i = 0; i < rows * cols; ++i) {
          const float v = with_bias ? x[i] + bias[i % cols] : x[i];
          INFO("v = ", v, " got ", got[i], " want ", want[i]);
          REQUIRE(std::isfinite(got[i]));
          REQUIRE(std::abs(got[i] - want[i]) <= tol::kGeluRelErr * std::abs(v));
        }
      });
    }
  }
}

struct AttnShape {
  size_t seq, heads, head_dim;
};

TEST_CASE("Attention matches the reference on every target") {
  // head_dim 136 > 128 takes the dot-product path instead of K^T. seq values
  // cover row tiles of 4 with 0..3 leftover rows and key counts below, at and
  // above multiples of the widest key panel (64 on AVX-512). head_dim 20, 26
  // (ALBERT-tiny), 3 and 44 are not multiples of the vector width: V is
  // zero-padded and the last context tile is stored partially; 72 and 100
  // exceed the padding budget and keep a lane-by-lane column tail.
  const AttnShape shapes[] = {
      {1, 4, 64},   {3, 4, 64},   {17, 4, 64}, {128, 4, 64}, {130, 1, 64},
      {263, 1, 64}, {1, 2, 16},   {3, 2, 16},  {17, 2, 16},  {128, 2, 16},
      {6, 2, 20},   {5, 3, 26},   {67, 2, 26}, {9, 2, 3},    {33, 2, 44},
      {67, 2, 72},  {19, 2, 100}, {5, 1, 136}, {17, 2, 136}};
  for (const AttnShape& s : shapes) {
    const size_t hidden = s.heads * s.head_dim;
    const size_t qkv_stride = 3 * hidden + 5;  // padded rows
    const size_t ctx_stride = hidden + 3;
    const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
    const auto qkv = Uniform(s.seq * qkv_stride, -2.0f, 2.0f, 30 + s.seq);
    std::vector<float> mask(s.seq, 0.0f);
    for (size_t j = 0; j < s.seq; ++j) {
      if (j % 3 == 2) mask[j] = -10000.0f;
    }
    // Bound inputs: scale * max sum_c |q k| + max |mask|, max |v|.
    double dot_bound = 0;
    float v_max = 0;
    for (size_t h = 0; h < s.heads; ++h) {
      for (size_t i = 0; i < s.seq; ++i) {
        for (size_t j = 0; j < s.seq; ++j) {
          double a = 0;
          for (size_t c = 0; c < s.head_dim; ++c) {
            a += std::abs(qkv[i * qkv_stride + h * s.head_dim + c] *
                          qkv[j * qkv_stride + hidden + h * s.head_dim + c]);
          }
          dot_bound = std::max(dot_bound, a * scale);
        }
        for (size_t c = 0; c < s.head_dim; ++c) {
          v_max = std::max(
              v_max,
              std::abs(qkv[i * qkv_stride + 2 * hidden + h * s.head_dim + c]));
        }
      }
    }
    for (bool masked : {false, true}) {
      const float* m = masked ? mask.data() : nullptr;
      const float bound = tol::AttentionAbsErr(
          s.seq, s.head_dim, static_cast<float>(dot_bound), v_max);
      // Heads [1, heads) only: head 0's output columns must stay untouched.
      const float kSentinel = 12345.0f;
      std::vector<float> want(s.seq * ctx_stride, kSentinel);
      ref::Attention(qkv.data(), qkv_stride, s.seq, s.heads, s.head_dim, scale,
                     m, 1, s.heads, want.data(), ctx_stride);
      ForEachTarget([&] {
        INFO("seq ", s.seq, " heads ", s.heads, " dim ", s.head_dim, " masked ",
             masked);
        std::vector<float> scratch(AttentionScratchFloats(s.seq));
        std::vector<float> got(s.seq * ctx_stride, kSentinel);
        Attention(qkv.data(), qkv_stride, s.seq, s.heads, s.head_dim, scale, m,
                  1, s.heads, scratch.data(), got.data(), ctx_stride);
        for (size_t i = 0; i < got.size(); ++i) {
          if (want[i] == kSentinel) {
            REQUIRE(got[i] == kSentinel);
          } else {
            REQUIRE(std::abs(got[i] - want[i]) <= bound);
          }
        }
      });
    }
  }
}

TEST_CASE("Attention writes only the columns of its heads") {
  // Each head is one parallel task writing ctx concurrently: a context tile
  // that ends in V's zero padding must not store past its head's columns.
  for (const size_t dim : {3, 20, 26, 44, 72}) {
    const size_t seq = 13, heads = 3, hidden = heads * dim;
    const auto qkv = Uniform(seq * 3 * hidden, -1.0f, 1.0f, 78 + dim);
    ForEachTarget([&] {
      INFO("dim ", dim);
      std::vector<float> scratch(AttentionScratchFloats(seq));
      std::vector<float> ctx(seq * hidden, 12345.0f);
      Attention(qkv.data(), 3 * hidden, seq, heads, dim, 0.25f, nullptr, 1, 2,
                scratch.data(), ctx.data(), hidden);
      for (size_t i = 0; i < seq * hidden; ++i) {
        const bool mine = i % hidden >= dim && i % hidden < 2 * dim;
        REQUIRE((ctx[i] == 12345.0f) != mine);
      }
    });
  }
}

TEST_CASE("Attention ignores keys masked with -10000") {
  // Changing masked keys/values must not change the output (their weight is
  // exp(-10000 + ...) = 0 in f32).
  const size_t seq = 9, heads = 2, dim = 16, hidden = heads * dim;
  auto qkv = Uniform(seq * 3 * hidden, -1.0f, 1.0f, 77);
  std::vector<float> mask(seq, 0.0f);
  mask[seq - 1] = mask[seq - 2] = -10000.0f;
  ForEachTarget([&] {
    std::vector<float> scratch(AttentionScratchFloats(seq));
    std::vector<float> a(seq * hidden), b(seq * hidden);
    Attention(qkv.data(), 3 * hidden, seq, heads, dim, 0.25f, mask.data(), 0,
              heads, scratch.data(), a.data(), hidden);
    auto qkv2 = qkv;
    for (size_t c = hidden; c < 3 * hidden; ++c) {
      qkv2[(seq - 1) * 3 * hidden + c] = 5.0f;
    }
    Attention(qkv2.data(), 3 * hidden, seq, heads, dim, 0.25f, mask.data(), 0,
              heads, scratch.data(), b.data(), hidden);
    for (size_t i = 0; i < seq * hidden; ++i) REQUIRE(a[i] == b[i]);
    // Sanity: changing an unmasked key does change the output.
    qkv2[hidden] += 1.0f;
    Attention(qkv2.data(), 3 * hidden, seq, heads, dim, 0.25f, mask.data(), 0,
              heads, scratch.data(), b.data(), hidden);
    CHECK(a != b);
  });
}

TEST_CASE("ExpNonPositive: within kExpRelErr of exp, 0 below -64") {
  std::vector<float> x;
  for (int i = 0; i <= 640000; ++i) x.push_back(-64.0f * i / 640000.0f);
  const float special[] = {-0.0f,        -1e-30f,    -1e-7f,     -0.34657359f,
                           -0.34657362f, -63.99999f, -64.00001f, -87.5f,
                           -1e4f,        -HUGE_VALF};
  x.insert(x.end(), std::begin(special), std::end(special));
  ForEachTarget([&] {
    std::vector<float> y(x.size());
    ExpNonPositive(x.data(), x.size(), y.data());
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      INFO("x = ", x[i], " got ", y[i]);
      if (x[i] < det_flush_below) {
        REQUIRE(y[i] == 0.0f);
        continue;
      }
      const double want = std::exp(static_cast<double>(x[i]));
      const double rel = std::abs(y[i] - want) / want;
      worst = std::max(worst, rel);
      REQUIRE(rel <= tol::kExpRelErr);
    }
    MESSAGE(std::string(ActiveTargetName()), ": max relative error ",
            worst / tol::kUnitRoundoff, " u");
  });
}

// The determinism contract of det_math-inl.h: every target with FMA gives
// the same bits (x86 AVX2 / AVX3 / AVX3_DL here, NEON / SVE / SVE2 under
// qemu-aarch64); cross_compare checks x86 against ARM end to end.
TEST_CASE("FMA targets give bit-identical results for every kernel") {
  testing::FmaTargetsAgree agree;
  const size_t kCols[] = {768, 777};
  ForEachTarget([&] {
    std::vector<float> all;
    for (size_t cols : kCols) {
      const size_t rows = 3;
      const auto x = Uniform(rows * cols, -2.0f, 3.0f, 100 + cols);
      const auto r = Uniform(rows * cols, -1.0f, 1.0f, 101 + cols);
      const auto g = Uniform(cols, 0.5f, 1.5f, 102 + cols);
      const auto b = Uniform(cols, -1.0f, 1.0f, 103 + cols);
      std::vector<float> y(rows * cols);
      AddLayerNorm(x.data(), r.data(), g.data(), b.data(), 1e-12f, rows, cols,
                   y.data());
      all.insert(all.end(), y.begin(), y.end());
      auto gl = Uniform(rows * cols, -6.0f, 6.0f, 104 + cols);
      BiasGeluErf(gl.data(), b.data(), rows, cols);
      all.insert(all.end(), gl.begin(), gl.end());
    }
    for (const AttnShape& s :
         {AttnShape{37, 2, 64}, AttnShape{128, 2, 64}, AttnShape{9, 1, 136},
          AttnShape{37, 3, 26}, AttnShape{21, 2, 72}}) {
      const size_t hidden = s.heads * s.head_dim;
      const auto qkv = Uniform(s.seq * 3 * hidden, -3.0f, 3.0f, 106 + s.seq);
      std::vector<float> scratch(AttentionScratchFloats(s.seq));
      std::vector<float> ctx(s.seq * hidden);
      Attention(qkv.data(), 3 * hidden, s.seq, s.heads, s.head_dim, 0.125f,
                nullptr, 0, s.heads, scratch.data(), ctx.data(), hidden);
      all.insert(all.end(), ctx.begin(), ctx.end());
    }
    agree.Record("all kernels", ActiveTargetName(), all);
  });
  MESSAGE("FMA targets compared with the first: ", agree.compared());
}

}  // namespace
}  // namespace edgebert::kernels
