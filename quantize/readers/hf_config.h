// Hugging Face config.json of a BertForTokenClassification checkpoint.
#ifndef EDGEBERT_QUANTIZE_READERS_HF_CONFIG_H_
#define EDGEBERT_QUANTIZE_READERS_HF_CONFIG_H_

#include <string>

#include <nlohmann/json.hpp>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"

namespace edgebert {

// Fills the encoder configuration, activation (hidden_act), labels
// (id2label) and tag scheme (BIOES if a label starts with E- or S-) of *c.
// Unimplemented: architecture, model_type, position_embedding_type or
// activation not supported. InvalidArgument: missing or bad field (named).
// FailedPrecondition: hidden_size not divisible by num_attention_heads.
// DataLoss: not a JSON object.
Status ParseHfConfig(const std::string& path, Checkpoint* c);

// The encoder sizes shared by config.json and google-research/bert's
// bert_config.json: vocab_size, hidden_size, num_hidden_layers,
// num_attention_heads, intermediate_size, max_position_embeddings
// (each an integer in [1, INT_MAX]) and type_vocab_size (required if
// default_type_vocab_size is 0, else that value when absent);
// FailedPrecondition if hidden_size is not divisible by the head count.
Status ParseBertSizes(const nlohmann::json& cfg, const std::string& path,
                      int default_type_vocab_size, Checkpoint* c);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_HF_CONFIG_H_
