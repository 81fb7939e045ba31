// google-research/bert's bert_config.json (modeling.py BertConfig).
#ifndef EDGEBERT_QUANTIZE_READERS_TF_TF_CONFIG_H_
#define EDGEBERT_QUANTIZE_READERS_TF_TF_CONFIG_H_

#include <string>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"

namespace edgebert {

// Fills the encoder configuration of *c: vocab_size, hidden_size,
// num_hidden_layers, num_attention_heads, intermediate_size,
// max_position_embeddings (required, > 0), type_vocab_size (default 16 as
// in BertConfig), layer_norm_eps = 1e-12 (modeling.py's constant) and the
// activation: hidden_act "gelu" is modeling.py's tanh approximation
// (GeluTanh), as is "gelu_new"; "relu" is Relu. The tensor shapes are
// checked against these values by the checkpoint reader.
// InvalidArgument: missing or bad field (named). Unimplemented: other
// hidden_act. FailedPrecondition: hidden_size not divisible by
// num_attention_heads. DataLoss / NotFound: not a readable JSON object.
Status ParseTfBertConfig(const std::string& path, Checkpoint* c);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_TF_TF_CONFIG_H_
