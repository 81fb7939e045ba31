// GemmF32 (XNNPACK and Highway backends) and the Highway GEMM on every
// compiled target, against the double reference, plus a GFLOP/s benchmark
// that is printed, not asserted.
#include <doctest/doctest.h>

#include "runtime/base/thread_pool.h"
#include "tests/test_env.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <hwy/highway.h>
#include <hwy/targets.h>

#include "runtime/kernels/gemm_f32_hwy.h"
#include "runtime/kernels/gemm_f32_hwy_layout.h"
#include "runtime/kernels/kernel_tolerances.h"
#include "runtime/kernels/kernels.h"
#include "runtime/kernels/kernels_ref.h"
#include "runtime/ops/gemm_f32.h"
#include "tests/hwy_targets.h"

namespace edgebert {
namespace {

using Pool = std::unique_ptr<ThreadPool>;
Pool MakePool(size_t threads) {
  StatusOr<Pool> p = ThreadPool::Create(threads);
  return p.ok() ? std::move(p.value()) : nullptr;
}

using testing::ForEachTarget;
using testing::Uniform;

struct Problem {
  size_t m, k, n;
  std::vector<float> x, w, b, want, bound;
};

Problem MakeProblem(size_t m, size_t k, size_t n) {
  Problem p{m, k, n};
  p.x = Uniform(m * k, -1.0f, 1.0f, static_cast<uint32_t>(m * 7 + k));
  p.w = Uniform(n * k, -0.5f, 0.5f, static_cast<uint32_t>(n * 3 + k));
  p.b = Uniform(n, -1.0f, 1.0f, static_cast<uint32_t>(n));
  p.want.resize(m * n);
  kernels::ref::GemmF32(p.x.data(), p.w.data(), p.b.data(), m, k, n,
                        p.want.data());
  p.bound.resize(m * n);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double a = std::abs(p.b[j]);
      for (size_t kk = 0; kk < k; ++kk) {
        a += std::abs(double{p.x[i * k + kk]} * p.w[j * k + kk]);
      }
      p.bound[i * n + j] = static_cast<float>(kernels::tol::GemmRelErr(k) * a);
    }
  }
  return p;
}

void CheckClose(const Problem& p, const std::vector<float>& got) {
  REQUIRE(got.size() == p.want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element ", i, " got ", got[i], " want ", p.want[i]);
    REQUIRE(std::abs(got[i] - p.want[i]) <= p.bound[i]);
  }
}

// The brief's shapes, plus one with K split into several blocks and a
// partial last panel (n = 37) on every target.
const size_t kShapes[][3] = {{1, 1, 1},        {3, 7, 5},      {17, 256, 768},
                             {128, 768, 2304}, {5, 1024, 256}, {9, 1100, 37}};

std::vector<GemmF32::Backend> Backends() {
  std::vector<GemmF32::Backend> b = {GemmF32::Backend::kHighway};
  if (GemmF32::HaveXnnpack()) b.push_back(GemmF32::Backend::kXnnpack);
  return b;
}

TEST_CASE("GemmF32 backends match the reference, 1 and 2 threads") {
  REQUIRE(InitGemmBackend().ok());
  Pool pool1 = MakePool(1), pool2 = MakePool(2);
  REQUIRE(pool1 != nullptr);
  REQUIRE(pool2 != nullptr);
  for (const auto& s : kShapes) {
    const Problem p =
        MakeProblem(testing::CapRowsWhenEmulated(s[0]), s[1], s[2]);
    for (GemmF32::Backend backend : Backends()) {
      auto gemm = GemmF32::Create(p.w.data(), p.b.data(), p.k, p.n, backend);
      REQUIRE(gemm.ok());
      INFO("backend ", (*gemm)->backend_name(), " m,k,n ", p.m, ",", p.k, ",",
           p.n);
      CHECK((*gemm)->packed_bytes() >= p.k * p.n * sizeof(float));
      for (ThreadPool* pool :
           {pool1.get(), pool2.get(), static_cast<ThreadPool*>(nullptr)}) {
        std::vector<float> y(p.m * p.n, NAN);
        (*gemm)->Run(p.x.data(), p.m, y.data(), pool);
        CheckClose(p, y);
      }
    }
  }
}

TEST_CASE("GemmF32 weights may be released after Create") {
  REQUIRE(InitGemmBackend().ok());
  const Problem p = MakeProblem(4, 9, 11);
  for (GemmF32::Backend backend : Backends()) {
    auto w = p.w;
    auto b = p.b;
    auto gemm = GemmF32::Create(w.data(), b.data(), p.k, p.n, backend);
    REQUIRE(gemm.ok());
    std::fill(w.begin(), w.end(), NAN);
    std::fill(b.begin(), b.end(), NAN);
    std::vector<float> y(p.m * p.n);
    (*gemm)->Run(p.x.data(), p.m, y.data(), nullptr);
    CheckClose(p, y);
  }
}

TEST_CASE("GemmF32 null bias means zeros, bad shapes are rejected") {
  REQUIRE(InitGemmBackend().ok());
  Problem p = MakeProblem(3, 7, 5);
  std::fill(p.b.begin(), p.b.end(), 0.0f);
  kernels::ref::GemmF32(p.x.data(), p.w.data(), nullptr, p.m, p.k, p.n,
                        p.want.data());
  for (GemmF32::Backend backend : Backends()) {
    auto gemm = GemmF32::Create(p.w.data(), nullptr, p.k, p.n, backend);
    REQUIRE(gemm.ok());
    std::vector<float> y(p.m * p.n);
    (*gemm)->Run(p.x.data(), p.m, y.data(), nullptr);
    CheckClose(p, y);
    auto bad = GemmF32::Create(p.w.data(), nullptr, 0, p.n, backend);
    CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  }
  if (!GemmF32::HaveXnnpack()) {
    auto x = GemmF32::Create(p.w.data(), nullptr, p.k, p.n,
                             GemmF32::Backend::kXnnpack);
    CHECK(x.status().code() == StatusCode::kUnimplemented);
  }
}

TEST_CASE("F32PackedN16: element (n, k) at (n / 16) * 16 K + 16 k + n % 16") {
  for (const auto& s : kShapes) {
    const size_t k = s[1], n = s[2];
    const std::vector<float> w = Uniform(n * k, -1.0f, 1.0f, 5);
    std::vector<float> packed(kernels::F32PackedFloats(n, k), NAN);
    CHECK(kernels::F32PackedBytes(n, k) == packed.size() * sizeof(float));
    kernels::PackF32Weights(w.data(), n, k, packed.data());
    for (size_t i = 0; i < packed.size(); ++i) {
      const size_t panel = i / (16 * k), kk = i % (16 * k) / 16;
      const size_t row = panel * 16 + i % 16;
      REQUIRE(packed[i] == (row < n ? w[row * k + kk] : 0.0f));
    }
    std::vector<float> back(n * k, NAN);
    kernels::UnpackF32Weights(packed.data(), n, k, back.data());
    CHECK(back == w);
  }
}

TEST_CASE("GemmF32 from pre-packed weights: in place (Highway) or unpacked") {
  REQUIRE(InitGemmBackend().ok());
  Pool pool2 = MakePool(2);
  for (const auto& s : kShapes) {
    const Problem p =
        MakeProblem(testing::CapRowsWhenEmulated(s[0]), s[1], s[2]);
    std::vector<float> packed(kernels::F32PackedFloats(p.n, p.k));
    kernels::PackF32Weights(p.w.data(), p.n, p.k, packed.data());
    for (GemmF32::Backend backend : Backends()) {
      auto gemm = GemmF32::CreateFromPacked(packed.data(), p.b.data(), p.k, p.n,
                                            backend);
      REQUIRE(gemm.ok());
      INFO("backend ", (*gemm)->backend_name(), " m,k,n ", p.m, ",", p.k, ",",
           p.n);
      const bool in_place = backend == GemmF32::Backend::kHighway;
      // In place: owns the bias only (padded to 32 floats); else a copy.
      if (in_place) {
        CHECK((*gemm)->packed_bytes() == (p.n + 31) / 32 * 32 * sizeof(float));
      } else {
        CHECK((*gemm)->packed_bytes() >= p.k * p.n * sizeof(float));
      }
      std::vector<float> y(p.m * p.n, NAN);
      (*gemm)->Run(p.x.data(), p.m, y.data(), pool2.get());
      CheckClose(p, y);
      if (in_place) {
        // Same kernel and summation order as Create() from row-major.
        auto ref = GemmF32::Create(p.w.data(), p.b.data(), p.k, p.n, backend);
        REQUIRE(ref.ok());
        std::vector<float> y2(p.m * p.n, NAN);
        (*ref)->Run(p.x.data(), p.m, y2.data(), nullptr);
        CHECK(y2 == y);
      }
    }
  }
}

TEST_CASE("Highway GEMM matches the reference on every target") {
  Pool pool2 = MakePool(2);
  std::vector<Problem> problems;
  for (const auto& s : kShapes)
    problems.push_back(MakeProblem(s[0], s[1], s[2]));
  // Tile remainders on every target: rows 1..25 (micro-kernel heights 6 and
  // 8, several row blocks), columns around the 16-wide panel and the 2 x N
  // column block (N = 4, 8, 16 lanes), K across a K-block boundary
  // (8192 / (2 N) = 256 floats on AVX-512).
  for (size_t m = 1; m <= 25; ++m) {
    for (size_t n : {1, 15, 16, 17, 31, 33, 48}) {
      problems.push_back(MakeProblem(m, m % 2 == 0 ? 3 : 300, n));
    }
  }
  // FMA targets must match bit for bit (the micro-kernel sums over k in
  // order with MulAdd, whatever the panel width: det_math-inl.h contract,
  // which int8 models rely on for their classifier).
  testing::FmaTargetsAgree agree;
  const auto names = ForEachTarget([&] {
    for (const Problem& p : problems) {
      // Skip the largest shape on the scalar fallback (slow, same code path
      // as the smaller shapes).
      if (p.m * p.k * p.n > 100000000 &&
          std::string(kernels::ActiveTargetName()) == "SCALAR") {
        continue;
      }
      kernels::GemmF32Hwy gemm;
      REQUIRE(gemm.Pack(p.w.data(), p.b.data(), p.k, p.n));
      std::vector<float> y(p.m * p.n, NAN);
      gemm.Run(p.x.data(), p.m, y.data(), pool2.get());
      INFO("m,k,n ", p.m, ",", p.k, ",", p.n);
      CheckClose(p, y);
      agree.Record(std::to_string(p.m) + "x" + std::to_string(p.k) + "x" +
                       std::to_string(p.n),
                   kernels::ActiveTargetName(), y);
    }
  });
  std::string list;
  for (const auto& n : names) list += n + " ";
  std::printf("gemm_f32_test: Highway GEMM targets tested: %s\n", list.c_str());
#if HWY_ARCH_X86_64
  CHECK(names.size() >= 2);
#endif
}

}  // namespace
}  // namespace edgebert
