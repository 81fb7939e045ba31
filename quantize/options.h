// Options of edgebert-convert: one type per stage, real enums, defaults in
// one place. The CLI (quantize/main.cc) parses its flag strings with the
// Parse* functions below; their errors name the flag and the accepted values.
#ifndef EDGEBERT_QUANTIZE_OPTIONS_H_
#define EDGEBERT_QUANTIZE_OPTIONS_H_

#include <string>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

// Default window length: the sequence length BERT taggers are usually
// fine-tuned with (google-research/bert NER: 128).
inline constexpr int kDefaultMaxSeqLen = 128;
inline constexpr float kDefaultSmoothAlpha = 0.5f;
inline constexpr int kDefaultCalibrationLimit = 512;

enum class Precision { kF32, kInt8 };

// How the int8 GEMM weights are rounded (the per-channel scales are the same
// absmax scales either way, runtime/quant/codec.h).
enum class WeightRounding {
  kNearest,  // codec PackWeightsI8: round half to even, per value
  kGptq,     // GptqRound with the calibration Hessian (needs calibration)
};

// Embedding tables stored int8. kWord is the default because int8 position
// / type rows cost fidelity (pd-tiny on PD dev: F1(int8, f32) 0.9953 vs
// 0.9937, tests/accuracy_test.cc) for ~1% of a bert-base file.
enum class Int8Embeddings {
  kWord,  // word embeddings int8; position / token type stay f32
  kAll,   // word, position and token type int8
};

// Flag spellings: "f32" / "int8", "nearest" / "gptq", "word" / "all".
const char* PrecisionName(Precision p);
const char* WeightRoundingName(WeightRounding r);
const char* Int8EmbeddingsName(Int8Embeddings e);
// InvalidArgument "--<flag> '<s>' is not one of: ..." for other strings.
StatusOr<Precision> ParsePrecision(const std::string& s);
StatusOr<WeightRounding> ParseWeightRounding(const std::string& s);
StatusOr<Int8Embeddings> ParseInt8Embeddings(const std::string& s);

// The int8 path (quantize/int8/quantize_int8.h).
struct Int8Options {
  // Calibration text or BIO file; "" = no calibration: no smoothing, no
  // GPTQ, no fidelity measurement.
  std::string calibration_path;
  float smooth_alpha = kDefaultSmoothAlpha;  // SmoothQuant alpha in [0, 1]
  // Also try every alpha of kAlphaGrid per GEMM and store the one with the
  // lowest rel_err (7x the error-measurement time).
  bool alpha_search = false;
  // kGptq without calibration_path falls back to kNearest (no Hessian); the
  // report's "weight_rounding" says which one was used.
  WeightRounding weight_rounding = WeightRounding::kGptq;
  Int8Embeddings int8_embeddings = Int8Embeddings::kWord;
  // Accuracy guard threshold on entity F1 vs f32 (0 = off; needs a
  // calibration file).
  double min_fidelity = 0;
  // Tensors stored f32 whatever the guard measures: GEMM weight names as
  // the int8 report prints them, or embedding table names.
  std::vector<std::string> keep_f32;
  int calibration_limit = kDefaultCalibrationLimit;  // sentences, >= 1
  // Progress and the int8 summary table on stderr.
  bool progress = false;
};

// InvalidArgument naming the flag for a value out of range.
Status ValidateInt8Options(const Int8Options& o);

struct ConvertOptions {
  // A Hugging Face folder, or a TF1 folder (a `checkpoint` file or *.index).
  std::string input_dir;
  // TF only: the checkpoint PREFIX to read ("" = the folder's latest),
  // the label map file ("" = the folder's label2id.pkl / .json /
  // labels.txt) and a cased vocabulary (default: lowercase, as
  // google-research/bert's Chinese models).
  std::string tf_checkpoint;
  std::string labels_path;
  bool cased = false;
  std::string output_path;
  Precision precision = Precision::kInt8;
  // 0 = min(kDefaultMaxSeqLen, max_position_embeddings); else
  // 3..max_position_embeddings.
  int max_seq_len = 0;
  Int8Options int8;  // precision kInt8 only
  // The "created" metadata, "YYYY-MM-DDTHH:MM:SSZ"; "" = the current time.
  std::string created;
};

// The reproducible-builds convention: a set SOURCE_DATE_EPOCH (decimal
// seconds since 1970-01-01 UTC, `value`) replaces the current time in the
// "created" metadata, so two conversions with the same inputs are
// byte-identical. Returns "" for a null `value`; InvalidArgument naming the
// variable for anything but 1..18 decimal digits.
StatusOr<std::string> CreatedFromSourceDateEpoch(const char* value);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_OPTIONS_H_
