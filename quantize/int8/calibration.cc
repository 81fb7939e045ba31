#include "quantize/int8/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quantize/int8/progress.h"
#include "quantize/int8/tag_all.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/api/internal.h"
#include "runtime/kernels/gemm_f32_hwy.h"

namespace edgebert {
namespace {

// Buffers of AccumulateHessian, shared by all GEMMs (one call at a time).
struct HessianScratch {
  std::vector<float> xt;    // [k, rows]
  std::vector<float> prod;  // [k, k]
};

// h[i, j] += sum_r x[r, i] * x[r, j] (all i, j), x: [rows, k]. The product
// X^T X of one call (<= one window of rows) is formed in f32 by the runtime's
// f32 GEMM (kernels::GemmF32Hwy, y = x W^T with x = W = X^T), then added to h.
void AccumulateHessian(const float* x, size_t rows, size_t k, float* h,
                       HessianScratch* s) {
  if (rows == 0) return;
  s->xt.resize(k * rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < k; ++i) s->xt[i * rows + r] = x[r * k + i];
  }
  s->prod.resize(k * k);
  kernels::GemmF32Hwy gemm;
  if (gemm.Pack(s->xt.data(), nullptr, rows, k)) {
    gemm.Run(s->xt.data(), k, s->prod.data(), nullptr);
  } else {  // allocation failure: the same sums, scalar.
    for (size_t i = 0; i < k; ++i) {
      for (size_t j = 0; j < k; ++j) {
        float acc = 0.0f;
        for (size_t r = 0; r < rows; ++r) {
          acc += s->xt[i * rows + r] * s->xt[j * rows + r];
        }
        s->prod[i * k + j] = acc;
      }
    }
  }
  for (size_t i = 0; i < k * k; ++i) h[i] += s->prod[i];
}

// splitmix64 (Steele, Lea, Flood 2014).
uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Reservoir sampling (Algorithm R) of the observed rows; the Hessian over
// all rows.
void Observe(const GemmObservation& o, int use, GemmStats* s,
             HessianScratch* scratch) {
  if (!s->hessian.empty()) {
    AccumulateHessian(o.x, o.rows, o.k, s->hessian.data(), scratch);
  }
  for (size_t r = 0; r < o.rows; ++r) {
    const float* x = o.x + r * o.k;
    for (size_t i = 0; i < o.k; ++i) {
      s->x_absmax[i] = std::max(s->x_absmax[i], std::fabs(x[i]));
    }
    size_t slot = s->cap;
    if (s->sampled < s->cap) {
      slot = s->sampled++;
      s->xs.resize(s->sampled * o.k);
      s->ys.resize(s->sampled * o.n);
      s->use.resize(s->sampled);
    } else {
      const uint64_t j = SplitMix64(&s->rng) % (s->seen + 1);
      if (j < s->cap) slot = static_cast<size_t>(j);
    }
    ++s->seen;
    if (slot < s->cap) {
      std::memcpy(s->xs.data() + slot * o.k, x, o.k * sizeof(float));
      std::memcpy(s->ys.data() + slot * o.n, o.y + r * o.n,
                  o.n * sizeof(float));
      s->use[slot] = use;
    }
  }
}

}  // namespace

size_t SampleCap(size_t n, size_t k) {
  const size_t by_cost = (size_t{1} << 28) / std::max<size_t>(1, n * k);
  return std::min(kSampleRows, std::max<size_t>(128, by_cost));
}

std::vector<GemmStats> InitGemmStats(const std::vector<GemmSpec>& specs,
                                     bool with_hessian) {
  std::vector<GemmStats> stats(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    stats[i].x_absmax.assign(specs[i].k, 0.0f);
    if (with_hessian) stats[i].hessian.assign(specs[i].k * specs[i].k, 0.0f);
    stats[i].cap = SampleCap(specs[i].n, specs[i].k);
    stats[i].rng = 0x5EEDull + i;
  }
  return stats;
}

Status Calibrate(const Checkpoint& ckpt, const std::vector<GemmSpec>& specs,
                 const std::vector<std::string>& sentences, int max_seq_len,
                 bool progress, std::vector<GemmStats>* stats,
                 std::vector<SentenceTags>* f32_tags) {
  WriteOptions wopt;
  wopt.precision = Precision::kF32;
  wopt.max_seq_len = max_seq_len;
  const std::vector<uint8_t> image = SerializeEbm(ckpt, F32Tensors(ckpt), wopt);
  HessianScratch hessian_scratch;
  GemmObserver observer = [&](const GemmObservation& o) {
    int use = 0;
    const int idx = GemmIndex(specs, o.layer, o.gemm, &use);
    if (idx < 0) return;
    EB_CHECK(o.k == specs[idx].k && o.n == specs[idx].n);
    Observe(o, use, &(*stats)[idx], &hessian_scratch);
  };
  Progress bar(progress, "calibrating", sentences.size());
  return TagAll(image, "f32 calibration model", sentences, observer, &bar,
                f32_tags);
}

}  // namespace edgebert
