// The int8 path of edgebert-convert: calibration, SmoothQuant smoothing,
// per-GEMM error measurement, end-to-end accuracy guard and the JSON report.
//
// Stored model (what the runtime loads, runtime/model/linear.cc):
//   encoder GEMM weights  I8 / I8PackedK4, logical [N, K], quant.scales[N],
//                         quant.weight_sums[N], quant.smooth[K] or empty
//                         (runtime/quant/codec.h PackWeightsI8);
//                         or F32 RowMajor [N, K] when the guard keeps it f32.
//   word, position and    I8 RowMajor [rows, H], quant.scales[rows]: one
//   token type embeddings scale per row (codec QuantizeEmbeddingRowsMse:
//                         the MSE-optimal clipped absmax scale), or F32 if
//                         the guard keeps them f32 (position / type also
//                         with int8_position_type = false); the runtime
//                         accepts F32 or I8 for each table
//                         (runtime/model/encoder.cc).
//   everything else       F32 (biases, LayerNorms, classifier).
//
// Pipeline (QuantizeInt8):
//  1. Calibration (only with a calibration file): the f32 model is written
//     to a temporary .ebm, loaded with the runtime and run on the calibration
//     sentences; a GemmObserver records per GEMM the per-input-channel
//     max |x_k| over all rows and a deterministic reservoir sample (splitmix64,
//     fixed seed) of up to kSampleRows input rows with their f32 outputs;
//     with GPTQ rounding also H = X^T X over all rows ([k, k] f32 per GEMM,
//     4 k^2 bytes, freed after step 3).
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
//     alpha of kAlphaGrid), weights rounded to nearest; the variant with the
//     lowest error is chosen (rel_err_nearest). With GPTQ rounding its
//     weights are then re-rounded by GptqRound (same scales; H of the
//     smoothed input: H'[i, j] = H[i, j] / (s_i s_j)) and the result is
//     stored if its rel_err is lower (per-GEMM "rounding" in the report).
//  4. Guard (calibrated only): the int8 candidate is written to a temporary
//     file, loaded and run on the calibration sentences; token-label
//     agreement and entity F1 (exact type + span, f32 entities as gold)
//     against the f32 tags. fidelity = that entity F1 (1 when neither model
//     finds an entity). While fidelity < min_fidelity, the not yet kept GEMM
//     with the highest rel_err is stored as f32 (after all GEMMs: the word,
//     then position, then token type embeddings), and the candidate is
//     re-measured.
#ifndef EDGEBERT_QUANTIZE_INT8_H_
#define EDGEBERT_QUANTIZE_INT8_H_

#include <cstddef>
#include <string>
#include <vector>

#include "quantize/convert.h"
#include "runtime/base/status.h"

namespace edgebert {

inline constexpr float kDefaultSmoothAlpha = 0.5f;
inline constexpr int kDefaultCalibrationLimit = 512;
// Rows sampled per GEMM for the error measurement.
inline constexpr size_t kSampleRows = 1024;
inline constexpr float kMinSmooth = 1e-5f, kMaxSmooth = 1e5f;
// Per-GEMM alphas tried by Int8Options::alpha_search.
inline constexpr float kAlphaGrid[] = {0.2f, 0.3f, 0.4f, 0.5f,
                                       0.6f, 0.7f, 0.8f};
// GPTQ dampening: lambda = kGptqDamp * mean of the nonzero diag(H).
inline constexpr double kGptqDamp = 0.01;

// How the int8 GEMM weights are rounded (the per-channel scales are the same
// absmax scales either way, codec.h).
enum class WeightRounding {
  kNearest,  // codec PackWeightsI8: round half to even, per value
  kGptq,     // GptqRound with the calibration Hessian (needs calibration)
};
// "nearest" / "gptq".
const char* WeightRoundingName(WeightRounding r);

struct Int8Options {
  std::string calibration_path;  // "" = no calibration, no smoothing.
  float smooth_alpha = kDefaultSmoothAlpha;          // in [0, 1]
  double min_fidelity = 0;                           // 0 = guard off
  int calibration_limit = kDefaultCalibrationLimit;  // sentences, >= 1
  int max_seq_len = 0;  // resolved window length of the written model
  // Also try every alpha of kAlphaGrid per GEMM and store the one with the
  // lowest rel_err (7x the error-measurement time).
  bool alpha_search = false;
  // kGptq without calibration_path falls back to kNearest (no Hessian); the
  // report's "weight_rounding" says which one was used.
  WeightRounding weight_rounding = WeightRounding::kGptq;
  // Position and token type embeddings int8 too (else F32). The converter
  // sets it from ConvertOptions::int8_embeddings, whose default "word" keeps
  // them F32 (fidelity, see quantize/convert.h); true here serves tests and
  // BuildTensors, which exercise every int8 table.
  bool int8_position_type = true;
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

// GPTQ weight rounding (Frantar et al. 2023, "GPTQ: Accurate Post-Training
// Quantization for Generative Pre-trained Transformers", Alg. 1 without the
// lazy batching), in its equivalent nearest-plane form: for one GEMM with
// weight w[n, :] (row-major [rows, k], f32, already smoothed), fixed scales
// scale[n] and input Hessian H = X^T X (row-major [k, k], symmetric; X the
// calibration inputs of the GEMM, smoothed), it minimizes per row the
// layer-output error
//   E(q) = (w - scale * q)^T H_d (w - scale * q),  H_d = H + lambda I,
//   lambda = damp * mean_{H[i,i] > 0} H[i,i]
// greedily over the input columns in order i = 0..k-1. With the "reverse"
// Cholesky factorization H_d = U U^T (U upper triangular; U = P chol(P H_d P)
// P with P the index reversal), E = ||U^T e||^2, e = w - scale * q, and
// column i is rounded to the value that zeroes (U^T e)_i given e_0..e_{i-1}:
//   q_i = clamp(round((w_i + sum_{j<i} U[j,i] e_j / U[i,i]) / scale), +-127)
// which is GPTQ's OBS error feedback through the Cholesky factor of H_d^-1
// (H_d^-1 = U^-T U^-1, GPTQ's upper factor is U^-1). A column with H[i,i] = 0
// (input always 0 in calibration) gets H_d[i,i] = lambda and no coupling:
// it is rounded to nearest. A row with scale 0 gets q = 0.
// q: rows * k int8 out. InvalidArgument for non-finite / negative diagonal
// entries; FailedPrecondition if H_d is not positive definite even after
// raising lambda 10x four times (caller falls back to nearest rounding).
Status GptqRound(const float* w, size_t rows, size_t k, const float* scales,
                 const float* hessian, double damp, int8_t* q);

// Builds the tensors of the int8 model and the JSON report (see above).
StatusOr<std::vector<OutputTensor>> QuantizeInt8(const HfCheckpoint& ckpt,
                                                 const Int8Options& options,
                                                 std::string* quant_report);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_H_
