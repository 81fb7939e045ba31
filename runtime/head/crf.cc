#include "runtime/head/crf.h"

#include "runtime/base/status.h"

namespace edgebert {
namespace crf {

size_t ScratchFloats(uint32_t t, uint32_t l) { return (size_t{2} + t) * l; }

float Viterbi(const float* emissions, uint32_t t, uint32_t l,
              const float* transitions, const float* start, const float* end,
              float* scratch, int32_t* path) {
  EB_CHECK(l >= 1 && l <= (1u << 24));
  if (t == 0) return 0.0f;
  float* prev = scratch;      // [l] best score of a path ending in label j.
  float* next = scratch + l;  // [l]
  float* back = scratch + 2 * size_t{l};  // [t, l], row 0 unused.
  for (uint32_t j = 0; j < l; ++j) {
    prev[j] = start != nullptr ? start[j] + emissions[j] : emissions[j];
  }
  for (uint32_t s = 1; s < t; ++s) {
    float* bp = back + size_t{s} * l;
    // from = 0 initialises; later `from`s replace only if strictly better,
    // so ties keep the smaller id. The inner loop runs over contiguous `to`.
    const float p0 = prev[0];
    for (uint32_t j = 0; j < l; ++j) {
      next[j] = p0 + transitions[j];
      bp[j] = 0.0f;
    }
    for (uint32_t i = 1; i < l; ++i) {
      const float pi = prev[i];
      const float* tr = transitions + size_t{i} * l;
      const float fi = static_cast<float>(i);
      for (uint32_t j = 0; j < l; ++j) {
        const float cand = pi + tr[j];
        if (cand > next[j]) {
          next[j] = cand;
          bp[j] = fi;
        }
      }
    }
    const float* em = emissions + size_t{s} * l;
    for (uint32_t j = 0; j < l; ++j) next[j] += em[j];
    float* tmp = prev;
    prev = next;
    next = tmp;
  }
  uint32_t best = 0;
  float best_score = end != nullptr ? prev[0] + end[0] : prev[0];
  for (uint32_t j = 1; j < l; ++j) {
    const float v = end != nullptr ? prev[j] + end[j] : prev[j];
    if (v > best_score) {
      best_score = v;
      best = j;
    }
  }
  path[t - 1] = static_cast<int32_t>(best);
  for (uint32_t s = t - 1; s > 0; --s) {
    best = static_cast<uint32_t>(back[size_t{s} * l + best]);
    path[s - 1] = static_cast<int32_t>(best);
  }
  return best_score;
}

}  // namespace crf
}  // namespace edgebert
