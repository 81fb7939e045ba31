// The int8 path's report: JSON stored in the model file (printed by
// `edgebert info`) and the summary table on stderr.
#ifndef EDGEBERT_QUANTIZE_INT8_REPORT_H_
#define EDGEBERT_QUANTIZE_INT8_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "quantize/int8/calibration.h"
#include "quantize/int8/embeddings.h"
#include "quantize/int8/gemm_quantizer.h"
#include "quantize/int8/gemm_specs.h"
#include "quantize/int8/guard.h"
#include "quantize/options.h"

namespace edgebert {

// Everything the report states about one int8 conversion.
struct Int8Run {
  const Int8Options* options;
  WeightRounding rounding;  // used (kNearest without calibration)
  bool calibrated;
  std::string calibration_format;  // calibrated only
  size_t calibration_sentences;
  const std::vector<GemmSpec>* specs;
  const std::vector<GemmResult>* gemms;
  const std::vector<GemmStats>* stats;
  const std::vector<EmbeddingResult>* embeddings;
  const std::vector<GuardStep>* steps;  // empty unless calibrated
  uint64_t f32_bytes, stored_bytes;     // tensor bytes
};

// The JSON report (one line).
std::string Int8ReportJson(const Int8Run& run);
// Per-GEMM table, embeddings, rounding, fidelity and sizes on stderr.
void PrintInt8Summary(const Int8Run& run);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_REPORT_H_
