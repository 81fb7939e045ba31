// Per-GEMM quantization stage of the int8 path: smoothing choice and weight
// rounding, measured by RelErr on the calibration sample.
//
// Without calibration: absmax scales, nearest rounding, no smoothing. With
// calibration the GEMM's relative output error (gemm_error.h RelErr) is
// measured without and with smoothing (alpha = Int8Options::smooth_alpha
// and, with alpha_search, every alpha of kAlphaGrid), weights rounded to
// nearest; the variant with the lowest error is chosen (rel_err_nearest).
// With GPTQ rounding its weights are then re-rounded by GptqRound (same
// scales; H of the smoothed input: H'[i, j] = H[i, j] / (s_i s_j)) and the
// result is kept if its rel_err is lower.
#ifndef EDGEBERT_QUANTIZE_INT8_GEMM_QUANTIZER_H_
#define EDGEBERT_QUANTIZE_INT8_GEMM_QUANTIZER_H_

#include <cmath>
#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/int8/calibration.h"
#include "quantize/int8/gemm_error.h"
#include "quantize/int8/gemm_specs.h"
#include "quantize/options.h"

namespace edgebert {

struct GemmResult {
  QuantizedGemm chosen;
  double rel_err = NAN, rel_err_unsmoothed = NAN, rel_err_smoothed = NAN;
  double rel_err_nearest = NAN;  // chosen smoothing, nearest rounding
  // rel_err of the chosen weights per GemmSpec::uses entry (calibrated).
  std::vector<double> rel_err_per_use;
  bool gptq = false;       // weights rounded by GptqRound
  std::string gptq_error;  // why GptqRound failed ("" = it did not)
  bool smoothed = false;
  bool kept_f32 = false;  // set by the guard (guard.h)
  float alpha = NAN;      // of the stored smoothing
  float max_abs_x = NAN;
  double outlier_ratio = NAN;
};

// How the GEMM stage runs: calibrated = `stats` hold calibration data;
// use_gptq = round with GptqRound (needs the stats' Hessian).
struct GemmQuantizerOptions {
  bool calibrated = false;
  bool use_gptq = false;
  float smooth_alpha = kDefaultSmoothAlpha;
  bool alpha_search = false;
};

// Quantizes GEMM g (weight w, bias) as described above; frees st->hessian.
GemmResult QuantizeGemm(const GemmSpec& g, const F32Tensor& w,
                        const float* bias, const GemmQuantizerOptions& opt,
                        GemmStats* st);

// QuantizeGemm for every spec, spread over the machine's cores (GEMMs are
// independent; the result does not depend on the thread count).
std::vector<GemmResult> QuantizeGemms(const Checkpoint& ckpt,
                                      const std::vector<GemmSpec>& specs,
                                      const GemmQuantizerOptions& opt,
                                      std::vector<GemmStats>* stats);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_GEMM_QUANTIZER_H_
