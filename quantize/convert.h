// edgebert-convert: Hugging Face BertForTokenClassification checkpoint
// directory -> .ebm model file (schema/edgebert.fbs).
//
// Pipeline (each stage usable on its own, e.g. by tests or by a quantizer):
//   LoadHfCheckpoint(dir)     config.json + vocab.txt (+ tokenizer_config.json,
//                             special_tokens_map.json) + model.safetensors
//                             -> HfCheckpoint: validated config and every
//                             weight as f32 under its canonical .ebm name
//                             (runtime/model/tensor_names.h), QKV fused.
//   BuildTensors(ckpt, prec)  -> the list of tensors to store (f32: the
//                             weights verbatim; a quantizing precision
//                             replaces GEMM weights by packed int8 tensors).
//   WriteEbm(...)             FlatBuffer + 64-aligned data section, written
//                             to "<path>.tmp" and renamed onto <path>.
//   Convert(options)          all of the above.
#ifndef EDGEBERT_QUANTIZE_CONVERT_H_
#define EDGEBERT_QUANTIZE_CONVERT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/base/status.h"
#include "schema/edgebert_generated.h"

namespace edgebert {

inline constexpr const char* kConverterName = "edgebert-convert";
// Default window length: the sequence length BERT taggers are usually
// fine-tuned with (google-research/bert NER: 128).
inline constexpr int kDefaultMaxSeqLen = 128;

struct F32Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major, prod(shape) elements
};

struct HfCheckpoint {
  std::string source_dir;
  // Safetensors dtypes seen among the loaded weights, e.g. "F32" or "BF16"
  // ("F16+F32" if mixed).
  std::string source_dtype;

  // config.json
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  fb::Activation activation = fb::Activation::GeluErf;
  std::vector<std::string> labels;  // id -> name (id2label)
  fb::TagScheme tag_scheme = fb::TagScheme::BIO;

  // vocab.txt + tokenizer_config.json / special_tokens_map.json.
  std::vector<std::string> vocab;  // id -> piece
  bool do_lower_case = true;
  bool strip_accents = true;
  bool tokenize_chinese_chars = true;
  int unk_id = -1, cls_id = -1, sep_id = -1;
  int pad_id = -1, mask_id = -1;  // -1: not in the vocab

  // Canonical name -> f32 weight; shapes already validated against the
  // config (see CanonicalTensorNames for the list and ExpectedShape).
  std::map<std::string, F32Tensor> weights;
};

// Canonical .ebm tensor names of a model with num_layers layers, in file
// order: embeddings.{word,position,token_type,ln.gamma,ln.beta}, then per
// layer i the 16 "layer.<i>.*" tensors, then classifier.{weight,bias}.
std::vector<std::string> CanonicalTensorNames(int num_layers);

// NotFound: missing directory / config.json / vocab.txt / model.safetensors /
// tensor (message names it). FailedPrecondition: shape or count
// inconsistencies (message names tensor, expected and actual).
// Unimplemented: architecture, activation, tensor dtype. DataLoss: corrupt
// JSON or safetensors.
StatusOr<HfCheckpoint> LoadHfCheckpoint(const std::string& dir);

// One tensor of the output file.
struct OutputTensor {
  std::string name;
  std::vector<int64_t> shape;
  fb::DType dtype = fb::DType::F32;
  fb::Layout layout = fb::Layout::RowMajor;
  std::vector<uint8_t> bytes;  // exactly as stored (little-endian)
  // Quantized tensors only (fb::QuantParams); all empty = no quant table.
  std::vector<float> scales;
  std::vector<float> smooth;
  std::vector<int32_t> weight_sums;
};

// The tensors stored for `precision`: "f32", or "int8" without calibration
// (quantize/int8.h QuantizeInt8 with default options). *quant_report
// receives the JSON report ("" for f32).
StatusOr<std::vector<OutputTensor>> BuildTensors(const HfCheckpoint& ckpt,
                                                 const std::string& precision,
                                                 std::string* quant_report);

// The f32 path: every canonical weight verbatim, F32 RowMajor.
std::vector<OutputTensor> F32Tensors(const HfCheckpoint& ckpt);

// The file's Head table (schema/edgebert.fbs); the default is a Linear
// head over ckpt.labels. Checked by the runtime's ModelFile::Open.
struct HeadOptions {
  fb::HeadKind kind = fb::HeadKind::Linear;
  std::vector<float> crf_transitions, crf_start, crf_end;
  fb::CrfSpan crf_span = fb::CrfSpan::Tokens;
  bool logits_tanh = false;
  int lstm_units = 0, lstm_layers = 0, project_hidden = 0, padded_window = 0;
};

struct WriteOptions {
  HeadOptions head;
  std::string precision = "f32";
  int max_seq_len = 0;  // already resolved: 1 <= max_seq_len <= max pos
  std::string quant_report;
  // Extra metadata entries (override the defaults of the same key).
  std::map<std::string, std::string> extra_metadata;
};

// Writes the .ebm to "<path>.tmp", then renames it to path; on failure the
// temporary file is removed and path is left untouched.
Status WriteEbm(const HfCheckpoint& ckpt,
                const std::vector<OutputTensor>& tensors,
                const WriteOptions& options, const std::string& path);

struct ConvertOptions {
  std::string input_dir;
  std::string output_path;
  std::string precision = "int8";  // "int8" or "f32"
  // 0 = min(kDefaultMaxSeqLen, max_position_embeddings); else
  // 3..max_position_embeddings.
  int max_seq_len = 0;
  // int8 only (quantize/int8.h): calibration text or BIO file ("" = none:
  // no smoothing, no fidelity measurement), SmoothQuant alpha in [0, 1],
  // accuracy guard threshold on entity F1 vs f32 (0 = off; needs a
  // calibration file), calibration sentences used.
  std::string calibration_path;
  float smooth_alpha = 0.5f;
  bool alpha_search = false;  // per-GEMM alpha from a grid (quantize/int8.h)
  // "gptq" (default; nearest without a calibration file) or "nearest".
  std::string weight_rounding = "gptq";
  // Embedding tables stored int8: "word" (default; position / token type
  // stay f32) or "all" (word, position, token type). "word" is the default
  // because int8 position / type rows cost fidelity (pd-tiny on PD dev:
  // F1(int8, f32) 0.9953 vs 0.9937, tests/accuracy_test.cc) for ~1% of a
  // bert-base file.
  std::string int8_embeddings = "word";
  double min_fidelity = 0;
  int calibration_limit = 512;
  // Progress and the int8 summary table on stderr.
  bool progress = false;
};

// LoadHfCheckpoint(options.input_dir) + ConvertCheckpoint.
Status Convert(const ConvertOptions& options);
// Converts an already loaded checkpoint (options.input_dir is ignored).
Status ConvertCheckpoint(const HfCheckpoint& ckpt,
                         const ConvertOptions& options);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_CONVERT_H_
