// kernels::AttentionI8 on every Highway target compiled in and supported by
// this CPU against the scalar reference ref::AttentionI8: bit-identical on
// FMA targets (the determinism contract of det_math-inl.h), within a derived
// bound elsewhere; plus the distance to the f32 attention it replaces.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/kernels/attention_i8.h"
#include "runtime/kernels/attention_i8_ref.h"
#include "runtime/kernels/kernel_tolerances.h"
#include "runtime/kernels/kernels_ref.h"
#include "runtime/kernels/kernels_testing.h"
#include "tests/hwy_targets.h"

namespace edgebert::kernels {
namespace {

using testing::ForEachTarget;
using testing::Uniform;

struct Shape {
  size_t seq, heads, head_dim;
  bool mask;
};

// A 64-byte aligned scratch buffer.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes)
      : p(std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64)) {}
  ~AlignedBuffer() { std::free(p); }
  void* p;
};

// Additive key mask: the last third of the keys (at least one valid key).
std::vector<float> MakeMask(size_t seq) {
  std::vector<float> mask(seq, 0.0f);
  for (size_t j = seq - seq / 3; j < seq; ++j) mask[j] = -10000.0f;
  return mask;
}

// Runs heads [1, heads - 1) (all when heads < 3) of the kernel; the other
// heads' columns must keep their NaN fill.
std::vector<float> RunKernel(const Shape& s, const std::vector<float>& qkv,
                             const float* mask, size_t* h0, size_t* h1) {
  const size_t hidden = s.heads * s.head_dim;
  *h0 = s.heads < 3 ? 0 : 1;
  *h1 = s.heads < 3 ? s.heads : s.heads - 1;
  std::vector<float> ctx(s.seq * hidden, std::nanf(""));
  // Sized for a longer sequence: valid for any shorter one.
  AlignedBuffer scratch(AttentionI8ScratchBytes(s.seq + 7, s.head_dim));
  AttentionI8(qkv.data(), 3 * hidden, s.seq, s.heads, s.head_dim,
              1.0f / std::sqrt(static_cast<float>(s.head_dim)), mask, *h0, *h1,
              scratch.p, ctx.data(), hidden);
  return ctx;
}

// tol::AttentionI8NoFmaAbsErr with |v| <= the largest |qkv| value.
float NonFmaBound(const std::vector<float>& qkv, size_t seq) {
  float amax = 0.0f;
  for (float v : qkv) amax = std::max(amax, std::fabs(v));
  return tol::AttentionI8NoFmaAbsErr(seq, amax);
}

void CheckShape(const Shape& s, uint32_t seed, size_t* bit_exact) {
  const size_t hidden = s.heads * s.head_dim;
  const std::vector<float> qkv = Uniform(s.seq * 3 * hidden, -3.0f, 3.0f, seed);
  const std::vector<float> mask_v = MakeMask(s.seq);
  const float* mask = s.mask ? mask_v.data() : nullptr;
  std::vector<float> want(s.seq * hidden, 0.0f);
  ref::AttentionI8(qkv.data(), 3 * hidden, s.seq, s.heads, s.head_dim,
                   1.0f / std::sqrt(static_cast<float>(s.head_dim)), mask, 0,
                   s.heads, want.data(), hidden);
  const float bound = NonFmaBound(qkv, s.seq);
  ForEachTarget([&] {
    size_t h0 = 0, h1 = 0;
    const std::vector<float> got = RunKernel(s, qkv, mask, &h0, &h1);
    const bool fma = ActiveTargetHasFma();
    size_t bad = 0;
    for (size_t i = 0; i < s.seq; ++i) {
      for (size_t h = 0; h < s.heads; ++h) {
        for (size_t c = 0; c < s.head_dim; ++c) {
          const size_t at = i * hidden + h * s.head_dim + c;
          if (h < h0 || h >= h1) {
            bad += !std::isnan(got[at]);
          } else if (fma) {
            bad += std::memcmp(&got[at], &want[at], sizeof(float)) != 0;
          } else {
            bad += !(std::fabs(got[at] - want[at]) <= bound);
          }
        }
      }
    }
    INFO("seq ", s.seq, " heads ", s.heads, " head_dim ", s.head_dim, " mask ",
         s.mask, " fma ", fma);
    CHECK(bad == 0);
    if (fma) ++*bit_exact;
  });
}

TEST_CASE("AttentionI8 equals the scalar reference on every target") {
  std::vector<Shape> shapes;
  for (size_t d : {26, 32, 64, 136}) {
    for (size_t seq = 1; seq <= 40; ++seq) {
      shapes.push_back({seq, 3, d, seq % 2 == 0});
    }
    for (size_t seq : {64, 128, 129}) {
      shapes.push_back({seq, 3, d, false});
      shapes.push_back({seq, 3, d, true});
    }
  }
  shapes.push_back({17, 1, 26, true});
  shapes.push_back({33, 12, 26, true});
  size_t bit_exact = 0;
  uint32_t seed = 1;
  for (const Shape& s : shapes) CheckShape(s, seed++, &bit_exact);
  MESSAGE("shape x FMA-target runs compared bit-exactly: ", bit_exact);
  CHECK(bit_exact >= shapes.size());
}

// int8 vs f32 attention. Per output, with P row-normalized (sum_j p = 1):
// Q/K codes err by <= 1/2 code each, so |ds| <= d * amax(q) amax(k) scale
// / 127 (two half-code terms); exp turns ds into a relative change of P
// of <= e^(2 ds) - 1 (row max and sum move too); P's two codes err by
// <= 1.6e-5 of the row max; V codes by amax(V_h[:, c]) / 254. Random q, k,
// v in [-1, 1), d = 64, seq = 48.
TEST_CASE("AttentionI8 is close to the f32 attention") {
  const size_t seq = 48, heads = 2, d = 64, hidden = heads * d;
  const std::vector<float> qkv = Uniform(seq * 3 * hidden, -1.0f, 1.0f, 77);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::vector<float> f32(seq * hidden), i8(seq * hidden);
  ref::Attention(qkv.data(), 3 * hidden, seq, heads, d, scale, nullptr, 0,
                 heads, f32.data(), hidden);
  AlignedBuffer scratch(AttentionI8ScratchBytes(seq, d));
  AttentionI8(qkv.data(), 3 * hidden, seq, heads, d, scale, nullptr, 0, heads,
              scratch.p, i8.data(), hidden);
  // |ds| <= d * 1 * 1 * scale / 127 = 0.063; P relative <= e^0.126 - 1 =
  // 0.134; ctx = P V with |V| < 1 moves by <= 0.134 + 1/254 (V codes) +
  // 1.6e-5 (P codes) < 0.14.
  float max_err = 0.0f;
  for (size_t i = 0; i < f32.size(); ++i) {
    max_err = std::max(max_err, std::fabs(f32[i] - i8[i]));
  }
  MESSAGE("max |int8 - f32| attention output: ", max_err);
  CHECK(max_err <= 0.14f);
  CHECK(max_err > 0.0f);
}

}  // namespace
}  // namespace edgebert::kernels
