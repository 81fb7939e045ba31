// Calibration pass of the int8 path: the f32 model (serialized in memory)
// runs on the calibration sentences; a GemmObserver records per GEMM (pooled
// over every layer that runs it when layers share weights) the
// per-input-channel max |x_k| over all rows and a deterministic reservoir
// sample (splitmix64, fixed seed per GEMM) of up to SampleCap input rows
// with their f32 outputs; with GPTQ rounding also H = X^T X over all rows
// ([k, k] f32 per GEMM, 4 k^2 bytes). The f32 tags are kept for the guard.
#ifndef EDGEBERT_QUANTIZE_INT8_CALIBRATION_H_
#define EDGEBERT_QUANTIZE_INT8_CALIBRATION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/int8/fidelity.h"
#include "quantize/int8/gemm_specs.h"
#include "runtime/base/status.h"

namespace edgebert {

// Rows sampled per GEMM for the error measurement (at most).
inline constexpr size_t kSampleRows = 1024;

// Calibration statistics of one GEMM input / output.
struct GemmStats {
  std::vector<float> x_absmax;  // [k]
  std::vector<float> xs, ys;    // sampled rows: [rows, k], [rows, n]
  std::vector<int> use;         // per sampled row: its GemmSpec::uses index
  // H = X^T X over all observed rows, [k, k]; empty unless GPTQ rounding
  // is on.
  std::vector<float> hessian;
  size_t cap = 0;  // max sampled rows
  size_t sampled = 0;
  uint64_t seen = 0;
  uint64_t rng = 0;
};

// Rows sampled for a GEMM of n x k: up to kSampleRows, fewer for large GEMMs
// so that the scalar error measurement stays ~2^28 MACs per GEMM.
size_t SampleCap(size_t n, size_t k);

// Empty statistics for `specs` (seeds 0x5EED + index; a k x k zero Hessian
// each if with_hessian).
std::vector<GemmStats> InitGemmStats(const std::vector<GemmSpec>& specs,
                                     bool with_hessian);

// Runs the f32 model of `ckpt` (windows of max_seq_len tokens) on
// `sentences`, filling *stats (from InitGemmStats) and *f32_tags.
Status Calibrate(const Checkpoint& ckpt, const std::vector<GemmSpec>& specs,
                 const std::vector<std::string>& sentences, int max_seq_len,
                 bool progress, std::vector<GemmStats>* stats,
                 std::vector<SentenceTags>* f32_tags);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_CALIBRATION_H_
