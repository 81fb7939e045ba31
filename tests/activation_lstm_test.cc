// activation.h and lstm.h on every Highway target compiled in and supported
// by this CPU, against the double references (activation_ref.h,
// lstm_ref.h) with the derived bounds of kernel_tolerances.h, and the
// bit-identity of all FMA targets.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/kernels/activation.h"
#include "runtime/kernels/activation_ref.h"
#include "runtime/kernels/kernel_tolerances.h"
#include "runtime/kernels/kernels.h"
#include "runtime/kernels/lstm.h"
#include "runtime/kernels/lstm_ref.h"
#include "tests/hwy_targets.h"

namespace edgebert::kernels {
namespace {

using testing::ForEachTarget;
using testing::Uniform;

// Dense grid over [-lo, lo] with an odd count (vector tails) + specials.
std::vector<float> Grid(double lo, double step) {
  std::vector<float> v;
  for (double t = -lo; t <= lo; t += step) v.push_back(static_cast<float>(t));
  for (float t : {-1e30f, -1e4f, -100.f, -64.f, 64.f, 100.f, 1e4f, 1e30f, 0.f,
                  -0.f, 1e-30f, -1e-30f, 1e-6f, -1e-6f, 3e38f, -3e38f}) {
    v.push_back(t);
  }
  if (v.size() % 2 == 0) v.push_back(0.5f);
  return v;
}

TEST_CASE("Tanh and Sigmoid within their absolute bounds on every target") {
  const std::vector<float> x = Grid(40.0, 1.0 / 4096);
  ForEachTarget([&] {
    std::vector<float> t(x.size()), s(x.size());
    Tanh(x.data(), x.size(), t.data());
    Sigmoid(x.data(), x.size(), s.data());
    double worst_t = 0, worst_s = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      INFO("x = ", x[i], " tanh ", t[i], " sigmoid ", s[i]);
      const double et = std::abs(t[i] - std::tanh(double{x[i]}));
      const double es = std::abs(s[i] - ref::Sigmoid(x[i]));
      REQUIRE(et <= tol::kTanhMaxAbsErr);
      REQUIRE(es <= tol::kSigmoidMaxAbsErr);
      REQUIRE(std::abs(t[i]) <= 1.0f);
      REQUIRE((s[i] >= 0.0f && s[i] <= 1.0f));
      worst_t = std::max(worst_t, et);
      worst_s = std::max(worst_s, es);
    }
    // Odd symmetry is exact (|x| in, sign copied out).
    std::vector<float> neg(x.size()), tn(x.size());
    for (size_t i = 0; i < x.size(); ++i) neg[i] = -x[i];
    Tanh(neg.data(), neg.size(), tn.data());
    for (size_t i = 0; i < x.size(); ++i) REQUIRE(tn[i] == -t[i]);
    MESSAGE(std::string(ActiveTargetName()), ": max |tanh err| ",
            worst_t / tol::kUnitRoundoff, " u, max |sigmoid err| ",
            worst_s / tol::kUnitRoundoff, " u");
  });
}

TEST_CASE("BiasActivation matches the reference on every target") {
  for (size_t cols : {1, 7, 256, 768, 1000}) {
    const size_t rows = 2;
    auto x = Uniform(rows * cols, -9.0f, 9.0f, 20 + cols);
    const float special[] = {10.0f, -10.0f, 1e4f,    -1e4f, 0.0f,
                             -0.0f, 1e-30f, -1e-30f, 3e38f, -3e38f};
    for (size_t i = 0; i < std::size(special) && i < x.size(); ++i) {
      x[(i * 7919) % x.size()] = special[i];
    }
    const auto bias = Uniform(cols, -0.5f, 0.5f, 21 + cols);
    for (bool with_bias : {false, true}) {
      const float* b = with_bias ? bias.data() : nullptr;
      for (Act act : {Act::kGeluTanh, Act::kRelu, Act::kNone}) {
        std::vector<float> want = x;
        ref::BiasActivation(want.data(), b, rows, cols, act);
        ForEachTarget([&] {
          INFO("cols ", cols, " bias ", with_bias, " act ",
               static_cast<int>(act));
          std::vector<float> got = x;
          BiasActivation(got.data(), b, rows, cols, act);
          for (size_t i = 0; i < rows * cols; ++i) {
            const float v = with_bias ? x[i] + bias[i % cols] : x[i];
            INFO("v = ", v, " got ", got[i], " want ", want[i]);
            REQUIRE(std::isfinite(got[i]));
            const float bound =
                act == Act::kGeluTanh ? tol::kGeluTanhRelErr * std::abs(v) : 0;
            REQUIRE(std::abs(got[i] - want[i]) <= bound);
          }
        });
      }
      // kGeluErf is BiasGeluErf, bit for bit.
      ForEachTarget([&] {
        std::vector<float> a = x, e = x;
        BiasActivation(a.data(), b, rows, cols, Act::kGeluErf);
        BiasGeluErf(e.data(), b, rows, cols);
        CHECK(a == e);
      });
    }
  }
}

// LSTM problems: |xz| <= 2 and sum_k |R[k, col]| <= r_sum, small enough
// for t = 40 that tol::LstmAbsErr stays below 1e-2 (it contracts).
struct LstmProblem {
  size_t t, units;
  std::vector<float> xz, r;
  float z_abs = 0, rho = 0;
};

LstmProblem MakeLstm(size_t t, size_t units, uint32_t seed,
                     float r_sum = 0.1f) {
  LstmProblem p{t, units, {}, {}};
  const float rw = 2 * r_sum / static_cast<float>(units);
  p.xz = Uniform(t * 4 * units, -2.0f, 2.0f, seed);
  p.r = Uniform(units * 4 * units, -rw, rw, seed + 1);
  for (size_t col = 0; col < 4 * units; ++col) {
    float sum = 0, xmax = 0;
    for (size_t k = 0; k < units; ++k)
      sum += std::abs(p.r[k * 4 * units + col]);
    for (size_t s = 0; s < t; ++s) {
      xmax = std::max(xmax, std::abs(p.xz[s * 4 * units + col]));
    }
    p.rho = std::max(p.rho, sum);
    p.z_abs = std::max(p.z_abs, sum + xmax);
  }
  return p;
}

TEST_CASE("LstmSequence matches the reference on every target") {
  uint32_t seed = 50;
  for (size_t units : {1, 5, 16, 37, 128}) {
    for (size_t t : {1, 2, 9, 40}) {
      // Strong recurrence for short sequences, weaker for long ones (the
      // worst-case bound grows geometrically otherwise).
      const float r_sum = t <= 2 ? 1.0f : t <= 9 ? 0.05f : 0.01f;
      const LstmProblem p = MakeLstm(t, units, seed += 2, r_sum);
      const float bound = tol::LstmAbsErr(units, t, p.z_abs, p.rho);
      INFO("bound ", bound);
      REQUIRE(bound < 1e-2f);  // loose worst case, still << |h| <= 1
      for (bool backward : {false, true}) {
        // Output rows at a stride wider than U (as the [fw, bw] concat).
        const size_t hs = 2 * units + 1;
        std::vector<float> want(t * hs, 0.0f);
        ref::LstmSequence(p.xz.data(), 4 * units, t, units, p.r.data(),
                          backward, want.data(), hs);
        ForEachTarget([&] {
          INFO("units ", units, " t ", t, " backward ", backward);
          std::vector<float> scratch(LstmScratchFloats(units), NAN);
          std::vector<float> got(t * hs, 0.0f);
          LstmSequence(p.xz.data(), 4 * units, t, units, p.r.data(), backward,
                       scratch.data(), got.data(), hs);
          float worst = 0;
          for (size_t i = 0; i < got.size(); ++i) {
            if (i % hs >= units) {
              REQUIRE(got[i] == 0.0f);  // outside h: untouched.
              continue;
            }
            REQUIRE(std::abs(got[i] - want[i]) <= bound);
            worst = std::max(worst, std::abs(got[i] - want[i]));
          }
          if (units == 128 && (t == 9 || t == 40)) {
            MESSAGE(std::string(ActiveTargetName()), " t ", t, " backward ",
                    backward, ": max err ", worst, " (bound ", bound, ")");
          }
        });
      }
    }
  }
}

TEST_CASE("LstmSequence: backward reads positions in reverse") {
  // Reversing the input rows of a forward run gives the backward run's
  // outputs reversed, exactly (same operations in the same order).
  const LstmProblem p = MakeLstm(13, 21, 7);
  const size_t u = p.units, t = p.t;
  std::vector<float> rev(p.xz.size());
  for (size_t s = 0; s < t; ++s) {
    std::copy_n(p.xz.begin() + s * 4 * u, 4 * u,
                rev.begin() + (t - 1 - s) * 4 * u);
  }
  std::vector<float> scratch(LstmScratchFloats(u)), fw(t * u), bw(t * u);
  LstmSequence(rev.data(), 4 * u, t, u, p.r.data(), false, scratch.data(),
               fw.data(), u);
  LstmSequence(p.xz.data(), 4 * u, t, u, p.r.data(), true, scratch.data(),
               bw.data(), u);
  for (size_t s = 0; s < t; ++s) {
    for (size_t k = 0; k < u; ++k) {
      REQUIRE(bw[s * u + k] == fw[(t - 1 - s) * u + k]);
    }
  }
}

TEST_CASE("FMA targets give bit-identical activations and LSTM outputs") {
  testing::FmaTargetsAgree agree;
  const std::vector<float> x = Grid(12.0, 1.0 / 1024);
  const LstmProblem p = MakeLstm(20, 37, 99);
  const LstmProblem q = MakeLstm(9, 128, 98);
  ForEachTarget([&] {
    std::vector<float> all(x.size());
    Tanh(x.data(), x.size(), all.data());
    std::vector<float> s(x.size());
    Sigmoid(x.data(), x.size(), s.data());
    all.insert(all.end(), s.begin(), s.end());
    std::vector<float> g = x;
    BiasActivation(g.data(), nullptr, 1, g.size(), Act::kGeluTanh);
    all.insert(all.end(), g.begin(), g.end());
    for (const LstmProblem* pr : {&p, &q}) {
      const size_t u = pr->units;
      std::vector<float> scratch(LstmScratchFloats(u)), h(pr->t * 2 * u);
      LstmSequence(pr->xz.data(), 4 * u, pr->t, u, pr->r.data(), false,
                   scratch.data(), h.data(), 2 * u);
      LstmSequence(pr->xz.data(), 4 * u, pr->t, u, pr->r.data(), true,
                   scratch.data(), h.data() + u, 2 * u);
      all.insert(all.end(), h.begin(), h.end());
    }
    agree.Record("activations+lstm", ActiveTargetName(), all);
  });
  MESSAGE("FMA targets compared with the first: ", agree.compared());
}

}  // namespace
}  // namespace edgebert::kernels
