// The in-memory checkpoint: the neutral contract between the checkpoint
// readers (quantize/readers/) and everything after them (quantization
// stages, the .ebm writer). A reader fills every field from its format;
// later stages never look at the source format again.
#ifndef EDGEBERT_QUANTIZE_CHECKPOINT_H_
#define EDGEBERT_QUANTIZE_CHECKPOINT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "schema/edgebert_generated.h"

namespace edgebert {

struct F32Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major, prod(shape) elements
};

// The file's Head table (schema/edgebert.fbs); the default is a Linear
// head over Checkpoint::labels. Checked by the runtime's ModelFile::Open.
struct HeadOptions {
  fb::HeadKind kind = fb::HeadKind::Linear;
  std::vector<float> crf_transitions, crf_start, crf_end;
  fb::CrfSpan crf_span = fb::CrfSpan::Tokens;
  bool logits_tanh = false;
  int lstm_units = 0, lstm_layers = 0, project_hidden = 0, padded_window = 0;
};

struct Checkpoint {
  // Absolute path of the source (the file's "source" metadata).
  std::string source_dir;
  // Source dtypes seen among the loaded weights, e.g. "F32" or "BF16"
  // ("F16+F32" if mixed).
  std::string source_dtype;

  // Encoder configuration.
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  fb::Activation activation = fb::Activation::GeluErf;

  // Head: kind and parameters, labels (id -> name) and their tag scheme.
  HeadOptions head;
  std::vector<std::string> labels;
  fb::TagScheme tag_scheme = fb::TagScheme::BIO;

  // WordPiece tokenizer settings and vocabulary.
  std::vector<std::string> vocab;  // id -> piece
  bool do_lower_case = true;
  bool strip_accents = true;
  bool tokenize_chinese_chars = true;
  int unk_id = -1, cls_id = -1, sep_id = -1;
  int pad_id = -1;   // readers set it (hf_tokenizer.h kFallbackPadId)
  int mask_id = -1;  // -1: not in the vocab

  // Canonical name (runtime/model/tensor_names.h) -> f32 weight, QKV fused;
  // every name of CanonicalTensorNames(num_layers) and
  // HeadTensorNames(head) present, shapes
  // validated against the config by the reader.
  std::map<std::string, F32Tensor> weights;
};

// Canonical .ebm tensor names of a model with num_layers layers, in file
// order: embeddings.{word,position,token_type,ln.gamma,ln.beta}, then per
// layer i the 12 "layer.<i>.*" tensors, then classifier.{weight,bias}.
std::vector<std::string> CanonicalTensorNames(int num_layers);

// The head's tensors beyond classifier.{weight,bias} (tensor_names.h), in
// file order: for a BiLstmCrf head per direction (fw, bw) and cell the
// lstm.<d>.<c>.{input.weight, input.bias, recurrent}, then
// project.hidden.{weight, bias} if project_hidden > 0; none otherwise.
std::vector<std::string> HeadTensorNames(const HeadOptions& head);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_CHECKPOINT_H_
