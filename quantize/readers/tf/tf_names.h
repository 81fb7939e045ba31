// TF checkpoint variable names -> canonical .ebm names
// (runtime/model/tensor_names.h), as data: one table per model family.
//
// A rule maps one canonical tensor to one or more TF variables. With several
// (QKV fusion) their converted rows are concatenated in rule order. A
// "kernel" is stored [in, out] (tf.layers.dense) and is transposed to the
// canonical [out, in]; everything else is copied as stored.
//
// Layer rules use "{i}" in both names for the layer index; a TF name
// without "{i}" in a layer rule is read for every layer (weights shared
// across layers, as ALBERT's). To add a family (e.g. google-research/albert
// or brightmart/albert_zh), add a TfFamily below, list it in TfFamilies()
// before any family whose marker it also holds (ALBERT checkpoints hold
// bert/embeddings/word_embeddings too), and give the shapes of any new
// canonical names in tf_encoder.cc's CanonicalShape.
#ifndef EDGEBERT_QUANTIZE_READERS_TF_TF_NAMES_H_
#define EDGEBERT_QUANTIZE_READERS_TF_TF_NAMES_H_

#include <string>
#include <vector>

namespace edgebert {

struct TfNameRule {
  std::string canonical;        // full name, or per-layer with "{i}"
  std::vector<std::string> tf;  // parts, concatenated along rows
  bool kernel = false;          // stored [in, out]: transpose
};

struct TfFamily {
  const char* name;  // in error messages, e.g. "google-research/bert"
  // A tensor whose presence identifies the family.
  const char* marker;
  std::vector<TfNameRule> rules;  // embeddings, then per-layer ({i})
};

// google-research/bert (modeling.py BertModel under scope "bert").
const TfFamily& BertTfFamily();

// Every known family, in detection order (the first whose marker is
// present wins).
std::vector<const TfFamily*> TfFamilies();

// `pattern` with every "{i}" replaced by `layer`.
std::string ExpandLayer(const std::string& pattern, int layer);

// True if the rule names per-layer tensors.
bool IsLayerRule(const TfNameRule& rule);

// TF names of the heads (macanv BERT-BiLSTM-CRF-NER, kyzhouhzau BERT-NER).
namespace tf_head_names {
inline constexpr const char* kOutputWeights = "output_weights";  // [L, H]
inline constexpr const char* kOutputBias = "output_bias";        // [L]
// CRF transitions [L, L], in lookup order.
inline constexpr const char* kTransitions[] = {"crf_loss/transitions",
                                               "transitions"};
inline constexpr const char* kLogitsW = "project/logits/W";  // [in, L]
inline constexpr const char* kLogitsB = "project/logits/b";  // [L]
inline constexpr const char* kHiddenW = "project/hidden/W";  // [2U, P]
inline constexpr const char* kHiddenB = "project/hidden/b";  // [P]
inline constexpr const char* kRnnPrefix = "rnn_layer/bidirectional_rnn/";
// LSTMCell variables of direction "fw"/"bw" and stacked cell c of `cells`
// (one cell: <d>/lstm_cell/..., else <d>/multi_rnn_cell/cell_<c>/lstm_cell/).
std::string LstmCell(const char* direction, int cell, int cells,
                     const char* var);  // var: "kernel" or "bias"
}  // namespace tf_head_names

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_TF_TF_NAMES_H_
