#include "quantize/readers/tf/tf_names.h"

#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

std::string L(const char* suffix) { return std::string("layer.{i}.") + suffix; }

TfFamily MakeBert() {
  namespace n = names;
  const std::string e = "bert/embeddings/";
  const std::string l = "bert/encoder/layer_{i}/";
  TfFamily f{
      "google-research/bert",
      "bert/embeddings/word_embeddings",
      {
          {n::kWordEmbeddings, {e + "word_embeddings"}},
          {n::kPositionEmbeddings, {e + "position_embeddings"}},
          {n::kTokenTypeEmbeddings, {e + "token_type_embeddings"}},
          {n::kEmbeddingLnGamma, {e + "LayerNorm/gamma"}},
          {n::kEmbeddingLnBeta, {e + "LayerNorm/beta"}},
          {L(n::kQkvWeight),
           {l + "attention/self/query/kernel", l + "attention/self/key/kernel",
            l + "attention/self/value/kernel"},
           true},
          {L(n::kQkvBias),
           {l + "attention/self/query/bias", l + "attention/self/key/bias",
            l + "attention/self/value/bias"}},
          {L(n::kAttnOutWeight), {l + "attention/output/dense/kernel"}, true},
          {L(n::kAttnOutBias), {l + "attention/output/dense/bias"}},
          {L(n::kAttnLnGamma), {l + "attention/output/LayerNorm/gamma"}},
          {L(n::kAttnLnBeta), {l + "attention/output/LayerNorm/beta"}},
          {L(n::kFfnInWeight), {l + "intermediate/dense/kernel"}, true},
          {L(n::kFfnInBias), {l + "intermediate/dense/bias"}},
          {L(n::kFfnOutWeight), {l + "output/dense/kernel"}, true},
          {L(n::kFfnOutBias), {l + "output/dense/bias"}},
          {L(n::kFfnLnGamma), {l + "output/LayerNorm/gamma"}},
          {L(n::kFfnLnBeta), {l + "output/LayerNorm/beta"}},
      }};
  return f;
}

}  // namespace

const TfFamily& BertTfFamily() {
  static const TfFamily* f = new TfFamily(MakeBert());
  return *f;
}

std::vector<const TfFamily*> TfFamilies() { return {&BertTfFamily()}; }

std::string ExpandLayer(const std::string& pattern, int layer) {
  std::string out = pattern;
  const std::string idx = std::to_string(layer);
  for (size_t p = out.find("{i}"); p != std::string::npos;
       p = out.find("{i}", p + idx.size())) {
    out.replace(p, 3, idx);
  }
  return out;
}

bool IsLayerRule(const TfNameRule& rule) {
  return rule.canonical.find("{i}") != std::string::npos;
}

std::string tf_head_names::LstmCell(const char* direction, int cell, int cells,
                                    const char* var) {
  std::string p = std::string(kRnnPrefix) + direction + "/";
  if (cells > 1) p += "multi_rnn_cell/cell_" + std::to_string(cell) + "/";
  return p + "lstm_cell/" + var;
}

}  // namespace edgebert
