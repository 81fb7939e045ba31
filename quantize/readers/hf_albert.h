// Hugging Face AlbertForTokenClassification (config.json model_type
// "albert"): the layer -> weight set mapping and the weights.
//
// HF runs num_hidden_layers steps; step i runs group
// g = int(i / (num_hidden_layers / num_hidden_groups)) (the source's float
// formula), and a group is inner_group_num distinct layers run in order. The
// Checkpoint therefore has num_hidden_layers * inner_group_num layers; layer
// i * K + k runs weight set g * K + k (K = inner_group_num), stored as
// "layer.<g * K + k>.*" and mapped explicitly by Checkpoint::layer_weights.
#ifndef EDGEBERT_QUANTIZE_READERS_HF_ALBERT_H_
#define EDGEBERT_QUANTIZE_READERS_HF_ALBERT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"
#include "runtime/model/safetensors.h"

namespace edgebert {

struct AlbertLayout {
  int hidden_layers = 0;  // num_hidden_layers
  int groups = 1;         // num_hidden_groups
  int inner = 1;          // inner_group_num
};

// How a source maps layer i of L to one of G groups.
enum class AlbertGroupRule {
  kHuggingFace,  // int(i / (L / G))  (modeling_albert.py)
  kGoogle,       // int(i / L * G)    (google-research/albert modeling.py)
};

// c->num_layers holds L on entry. FailedPrecondition if G > L (a group
// would never run), InvalidArgument if L * inner > 4096 (messages name
// `path`); else c->layer_weights: layer i * inner + k runs set
// group(i) * inner + k, and c->num_layers = L * inner.
Status SetAlbertLayers(const std::string& path, int groups, int inner,
                       AlbertGroupRule rule, Checkpoint* c);

// Fills c->embedding_size, c->layer_weights and c->num_layers (= layers *
// inner) from config.json (embedding_size 128, num_hidden_groups 1,
// inner_group_num 1 when absent, the AlbertConfig defaults); c->num_layers
// holds num_hidden_layers on entry. InvalidArgument names a bad field;
// FailedPrecondition if a group would never run (groups > layers).
Status ParseAlbertConfig(const nlohmann::json& cfg, const std::string& path,
                         Checkpoint* c, AlbertLayout* layout);

// Reads every weight of c's layout from `file` under its canonical name
// (QKV fused) and refuses tensors the model would not use (the pooler and
// the `predictions.` MLM head are ignored).
Status LoadAlbertWeights(const SafetensorsFile& file,
                         const AlbertLayout& layout, Checkpoint* c);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_HF_ALBERT_H_
