// Runs a test body once per Highway target compiled in and supported by this
// CPU, forcing dynamic dispatch to it. For the f32 kernel and GEMM suites.
#ifndef EDGEBERT_TESTS_HWY_TARGETS_H_
#define EDGEBERT_TESTS_HWY_TARGETS_H_

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <hwy/highway.h>
#include <hwy/targets.h>

#include "runtime/kernels/kernels.h"
#include "runtime/kernels/kernels_testing.h"

namespace edgebert::testing {

// Returns the names of the targets run; each must be the one
// kernels::ActiveTargetName() reports while fn runs.
inline std::vector<std::string> ForEachTarget(const std::function<void()>& fn) {
  std::vector<std::string> names;
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  if (targets.empty()) {
    // Single compiled target whose bit the prebuilt libhwy does not report
    // (e.g. armhf built with -mfpu=neon against a non-NEON libhwy): dispatch
    // is static, so run once on it.
    fn();
    names.push_back(kernels::ActiveTargetName());
    return names;
  }
  for (int64_t target : targets) {
    hwy::SetSupportedTargetsForTest(target);
    hwy::GetChosenTarget().Update(hwy::SupportedTargets());
    const std::string name = hwy::TargetName(target);
    INFO("target ", name);
    REQUIRE(name == kernels::ActiveTargetName());
    fn();
    names.push_back(name);
  }
  hwy::SetSupportedTargetsForTest(0);
  hwy::GetChosenTarget().Update(hwy::SupportedTargets());
  return names;
}

// n values uniform in [lo, hi), deterministic for a seed.
inline std::vector<float> Uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// The determinism contract of runtime/kernels/det_math-inl.h: every target
// with FMA computes the same bits. Record(key, who, y) keeps y of the first
// FMA target per key and CHECKs each later FMA target's y against it; while
// the dispatched target has no FMA it does nothing. compared() counts the
// comparisons made.
class FmaTargetsAgree {
 public:
  void Record(const std::string& key, const std::string& who,
              const std::vector<float>& y) {
    if (!kernels::ActiveTargetHasFma()) return;
    auto it = first_.find(key);
    if (it == first_.end()) {
      first_.emplace(key, std::make_pair(who, y));
      return;
    }
    INFO(key, ": ", who, " vs ", it->second.first);
    REQUIRE(y.size() == it->second.second.size());
    CHECK(std::memcmp(y.data(), it->second.second.data(),
                      y.size() * sizeof(float)) == 0);
    ++compared_;
  }
  size_t compared() const { return compared_; }

 private:
  std::map<std::string, std::pair<std::string, std::vector<float>>> first_;
  size_t compared_ = 0;
};

}  // namespace edgebert::testing

#endif  // EDGEBERT_TESTS_HWY_TARGETS_H_
