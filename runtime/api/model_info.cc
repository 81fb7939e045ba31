#include "runtime/api/model_info.h"

namespace edgebert {

nlohmann::json ModelInfo(const Model& model) {
  const ModelConfig& m = model.config();
  nlohmann::json j;
  j["precision"] = m.precision;
  j["config"] = {{"num_layers", m.num_layers},
                 {"hidden_size", m.hidden_size},
                 {"num_heads", m.num_heads},
                 {"intermediate_size", m.intermediate_size},
                 {"max_position_embeddings", m.max_position_embeddings},
                 {"type_vocab_size", m.type_vocab_size},
                 {"vocab_size", m.vocab_size},
                 {"max_seq_len", m.max_seq_len},
                 {"layer_norm_eps", m.layer_norm_eps},
                 {"activation", m.activation},
                 {"embedding_size", m.embedding_size},
                 {"layer_weights", m.layer_weights},
                 {"attention", m.attention}};
  j["labels"] = m.labels;
  j["head"] = m.head;
  j["tag_scheme"] = m.tag_scheme;
  return j;
}

}  // namespace edgebert
