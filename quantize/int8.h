// The int8 path of edgebert-convert: calibration, SmoothQuant smoothing,
// per-GEMM error measurement, end-to-end accuracy guard and the JSON report.
//
// Stored model (what the runtime loads, runtime/model/linear.cc):
//   encoder GEMM weights  I8 / I8PackedK4, logical [N, K], quant.scales[N],
//                         quant.weight_sums[N], quant.smooth[K] or empty
//                         (runtime/quant/codec.h PackWeightsI8);
//                         or F32 RowMajor [N, K] when the guard keeps it f32.
//   word embeddings       I8 RowMajor [V, H], quant.scales[V]
//                         (codec QuantizeEmbeddingRows), or F32 if kept.
//   everything else       F32 (biases, LayerNorms, position / token type
//                         embeddings, classifier).
//
// Pipeline (QuantizeInt8):
//  1. Calibration (only with a calibration file): the f32 model is written
//     to a temporary .ebm, loaded with the runtime and run on the calibration
//     sentences; a GemmObserver records per GEMM the per-input-channel
//     max |x_k| over all rows and a deterministic reservoir sample (splitmix64,
//     fixed seed) of up to kSampleRows input rows with their f32 outputs.
//     The f32 tags (token labels, entities) are kept for step 4.
//  2. SmoothQuant (Xiao et al. 2023, eq. 4): per GEMM input channel
//       s[k] = max|x_k|^alpha / max_n |W[n, k]|^(1 - alpha),
//     s[k] = 1 when either max is 0 or the result is not finite, then clamped
//     to [kMinSmooth, kMaxSmooth]. The fused QKV GEMM has one s over its
//     shared input. BERT is post-LN, so s cannot be folded into a LayerNorm:
//     the runtime multiplies x by 1/s when it quantizes x.
//  3. Per-GEMM relative output error on the sampled rows, with the codec's
//     scalar arithmetic (QuantizeRow of x with 1/s, int32 dot with the
//     quantized weight, dequantize, + bias, erf GELU for ffn_in):
//       rel_err = ||y_int8 - y_f32||_F / ||y_f32||_F.
//     Measured with and without smoothing (and, with alpha_search, for each
//     alpha of kAlphaGrid); the variant with the lowest error is stored.
//  4. Guard (calibrated only): the int8 candidate is written to a temporary
//     file, loaded and run on the calibration sentences; token-label
//     agreement and entity F1 (exact type + span, f32 entities as gold)
//     against the f32 tags. fidelity = that entity F1 (1 when neither model
//     finds an entity). While fidelity < min_fidelity, the not yet kept GEMM
//     with the highest rel_err is stored as f32 (after all GEMMs: the word
//     embeddings), and the candidate is re-measured.
#ifndef EDGEBERT_QUANTIZE_INT8_H_
#define EDGEBERT_QUANTIZE_INT8_H_

#include <cstddef>
#include <string>
#include <vector>

#include "quantize/convert.h"
#include "runtime/api/status.h"

namespace edgebert {

inline constexpr float kDefaultSmoothAlpha = 0.5f;
inline constexpr int kDefaultCalibrationLimit = 512;
// Rows sampled per GEMM for the error measurement.
inline constexpr size_t kSampleRows = 1024;
inline constexpr float kMinSmooth = 1e-5f, kMaxSmooth = 1e5f;
// Per-GEMM alphas tried by Int8Options::alpha_search.
inline constexpr float kAlphaGrid[] = {0.2f, 0.3f, 0.4f, 0.5f,
                                       0.6f, 0.7f, 0.8f};

struct Int8Options {
  std::string calibration_path;  // "" = no calibration, no smoothing.
  float smooth_alpha = kDefaultSmoothAlpha;          // in [0, 1]
  double min_fidelity = 0;                           // 0 = guard off
  int calibration_limit = kDefaultCalibrationLimit;  // sentences, >= 1
  int max_seq_len = 0;  // resolved window length of the written model
  // Also try every alpha of kAlphaGrid per GEMM and store the one with the
  // lowest rel_err (7x the error-measurement time).
  bool alpha_search = false;
  bool progress = false;  // progress bar + summary table on stderr
};

struct CalibrationText {
  std::string format;                  // "bio" or "text"
  std::vector<std::string> sentences;  // at most `limit`, non-empty
};

// Reads a calibration file: BIO if every non-blank line has exactly two
// whitespace-separated fields and the second is a tag (O, or B-/I-/E-/S-/M-
// followed by a type): the characters of each sentence are joined without
// separator; otherwise one sentence per non-blank line (trimmed, "\r"
// dropped). Keeps the first `limit` sentences. NotFound if unreadable,
// InvalidArgument if it holds no sentence.
StatusOr<CalibrationText> ReadCalibrationText(const std::string& path,
                                              int limit);

// SmoothQuant factors of one GEMM (formula and guards above). x_absmax[k]
// per input channel; w is [n, k] row-major.
std::vector<float> SmoothFactors(const std::vector<float>& x_absmax,
                                 const float* w, size_t n, size_t k,
                                 float alpha);

// Builds the tensors of the int8 model and the JSON report (see above).
StatusOr<std::vector<OutputTensor>> QuantizeInt8(const HfCheckpoint& ckpt,
                                                 const Int8Options& options,
                                                 std::string* quant_report);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_H_
