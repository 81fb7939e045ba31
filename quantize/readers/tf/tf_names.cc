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

TfFamily MakeAlbert() {
  namespace n = names;
  const std::string e = "bert/embeddings/";
  const std::string m = "bert/encoder/embedding_hidden_mapping_in/";
  const std::string l = "bert/encoder/transformer/group_{g}/inner_group_{k}/";
  const std::string a = l + "attention_1/";
  const std::string f = l + "ffn_1/intermediate/";
  TfFamily fam{
      "google-research/albert",
      "bert/encoder/transformer/group_0/inner_group_0/attention_1/self/query/"
      "kernel",
      {
          {n::kWordEmbeddings, {e + "word_embeddings"}},
          {n::kPositionEmbeddings, {e + "position_embeddings"}},
          {n::kTokenTypeEmbeddings, {e + "token_type_embeddings"}},
          {n::kEmbeddingLnGamma, {e + "LayerNorm/gamma"}},
          {n::kEmbeddingLnBeta, {e + "LayerNorm/beta"}},
          {n::kEmbeddingMapWeight, {m + "kernel"}, true, true},
          {n::kEmbeddingMapBias, {m + "bias"}, false, true},
          {L(n::kQkvWeight),
           {a + "self/query/kernel", a + "self/key/kernel",
            a + "self/value/kernel"},
           true},
          {L(n::kQkvBias),
           {a + "self/query/bias", a + "self/key/bias", a + "self/value/bias"}},
          {L(n::kAttnOutWeight), {a + "output/dense/kernel"}, true},
          {L(n::kAttnOutBias), {a + "output/dense/bias"}},
          {L(n::kAttnLnGamma), {l + "LayerNorm/gamma"}},
          {L(n::kAttnLnBeta), {l + "LayerNorm/beta"}},
          {L(n::kFfnInWeight), {f + "dense/kernel"}, true},
          {L(n::kFfnInBias), {f + "dense/bias"}},
          {L(n::kFfnOutWeight), {f + "output/dense/kernel"}, true},
          {L(n::kFfnOutBias), {f + "output/dense/bias"}},
          {L(n::kFfnLnGamma), {l + "LayerNorm_1/gamma"}},
          {L(n::kFfnLnBeta), {l + "LayerNorm_1/beta"}},
      },
      TfLayers::kAlbertGroups};
  return fam;
}

TfFamily MakeAlbertZh() {
  namespace n = names;
  const std::string e = "bert/embeddings/";
  // BERT's layer names without the layer index.
  TfFamily f = MakeBert();
  f.name = "brightmart/albert_zh";
  f.marker = "bert/embeddings/word_embeddings_2";
  f.layers = TfLayers::kShared;
  for (TfNameRule& r : f.rules) {
    for (std::string& t : r.tf) {
      const std::string from = "bert/encoder/layer_{i}/";
      if (t.rfind(from, 0) == 0) {
        t = "bert/encoder/layer_shared/" + t.substr(from.size());
      }
    }
  }
  f.rules.insert(f.rules.begin() + 1,
                 {n::kEmbeddingMapWeight, {e + "word_embeddings_2"}, true});
  return f;
}

void ReplaceAll(std::string* s, const char* key, int value) {
  const std::string v = std::to_string(value);
  for (size_t p = s->find(key); p != std::string::npos;
       p = s->find(key, p + v.size())) {
    s->replace(p, 3, v);
  }
}

}  // namespace

const TfFamily& BertTfFamily() {
  static const TfFamily* f = new TfFamily(MakeBert());
  return *f;
}

const TfFamily& AlbertTfFamily() {
  static const TfFamily* f = new TfFamily(MakeAlbert());
  return *f;
}

const TfFamily& AlbertZhTfFamily() {
  static const TfFamily* f = new TfFamily(MakeAlbertZh());
  return *f;
}

// ALBERT first: its checkpoints also hold BERT's marker (word embeddings).
std::vector<const TfFamily*> TfFamilies() {
  return {&AlbertTfFamily(), &AlbertZhTfFamily(), &BertTfFamily()};
}

std::string ExpandLayer(const std::string& pattern, int layer) {
  std::string out = pattern;
  ReplaceAll(&out, "{i}", layer);
  return out;
}

std::string ExpandSet(const std::string& pattern, int set, int inner) {
  std::string out = pattern;
  ReplaceAll(&out, "{i}", set);
  ReplaceAll(&out, "{g}", set / inner);
  ReplaceAll(&out, "{k}", set % inner);
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
