// A model's description as one JSON object, shared by `edgebert info`, the
// C API (eb_model_info_json) and the Python binding (Model.info()).
#ifndef EDGEBERT_RUNTIME_API_MODEL_INFO_H_
#define EDGEBERT_RUNTIME_API_MODEL_INFO_H_

#include "nlohmann/json.hpp"
#include "runtime/api/edgebert.h"

namespace edgebert {

// {"precision", "config": {num_layers, hidden_size, num_heads,
// intermediate_size, max_position_embeddings, type_vocab_size, vocab_size,
// max_seq_len, layer_norm_eps, activation, embedding_size, layer_weights,
// attention},
// "labels", "head", "tag_scheme"}
nlohmann::json ModelInfo(const Model& model);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_API_MODEL_INFO_H_
