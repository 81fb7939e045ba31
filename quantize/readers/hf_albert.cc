#include "quantize/readers/hf_albert.h"

#include <utility>
#include <vector>

#include "quantize/readers/hf_config.h"
#include "quantize/readers/hf_tensor_source.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

using nlohmann::json;

// One weight set (an HF albert_layers.K module) -> "layer.<set>.*".
Status LoadSet(TensorSource* src, const std::string& p, int set,
               Checkpoint* c) {
  const int64_t h = c->hidden_size, in = c->intermediate_size;
  namespace n = names;
  auto put = [&](const char* canonical, const std::string& hf,
                 std::vector<int64_t> shape) -> Status {
    F32Tensor t;
    EB_RETURN_IF_ERROR(src->Get(p + hf, shape, &t));
    c->weights[n::Layer(set, canonical)] = std::move(t);
    return Status::Ok();
  };
  // QKV fusion: rows [0,H) query, [H,2H) key, [2H,3H) value.
  F32Tensor qkv_w{{3 * h, h}, {}}, qkv_b{{3 * h}, {}};
  for (const char* part : {"query", "key", "value"}) {
    F32Tensor w, b;
    EB_RETURN_IF_ERROR(
        src->Get(p + "attention." + part + ".weight", {h, h}, &w));
    EB_RETURN_IF_ERROR(src->Get(p + "attention." + part + ".bias", {h}, &b));
    qkv_w.data.insert(qkv_w.data.end(), w.data.begin(), w.data.end());
    qkv_b.data.insert(qkv_b.data.end(), b.data.begin(), b.data.end());
  }
  c->weights[n::Layer(set, n::kQkvWeight)] = std::move(qkv_w);
  c->weights[n::Layer(set, n::kQkvBias)] = std::move(qkv_b);
  EB_RETURN_IF_ERROR(put(n::kAttnOutWeight, "attention.dense.weight", {h, h}));
  EB_RETURN_IF_ERROR(put(n::kAttnOutBias, "attention.dense.bias", {h}));
  EB_RETURN_IF_ERROR(put(n::kAttnLnGamma, "attention.LayerNorm.weight", {h}));
  EB_RETURN_IF_ERROR(put(n::kAttnLnBeta, "attention.LayerNorm.bias", {h}));
  EB_RETURN_IF_ERROR(put(n::kFfnInWeight, "ffn.weight", {in, h}));
  EB_RETURN_IF_ERROR(put(n::kFfnInBias, "ffn.bias", {in}));
  EB_RETURN_IF_ERROR(put(n::kFfnOutWeight, "ffn_output.weight", {h, in}));
  EB_RETURN_IF_ERROR(put(n::kFfnOutBias, "ffn_output.bias", {h}));
  EB_RETURN_IF_ERROR(put(n::kFfnLnGamma, "full_layer_layer_norm.weight", {h}));
  return put(n::kFfnLnBeta, "full_layer_layer_norm.bias", {h});
}

Status LoadEmbeddings(TensorSource* src, Checkpoint* c) {
  const int64_t e = c->embedding_size, h = c->hidden_size;
  namespace n = names;
  const std::pair<const char*, std::pair<const char*, std::vector<int64_t>>>
      table[] = {
          {n::kWordEmbeddings,
           {"embeddings.word_embeddings.weight", {c->vocab_size, e}}},
          {n::kPositionEmbeddings,
           {"embeddings.position_embeddings.weight",
            {c->max_position_embeddings, e}}},
          {n::kTokenTypeEmbeddings,
           {"embeddings.token_type_embeddings.weight",
            {c->type_vocab_size, e}}},
          {n::kEmbeddingLnGamma, {"embeddings.LayerNorm.weight", {e}}},
          {n::kEmbeddingLnBeta, {"embeddings.LayerNorm.bias", {e}}},
          {n::kEmbeddingMapWeight,
           {"encoder.embedding_hidden_mapping_in.weight", {h, e}}},
          {n::kEmbeddingMapBias,
           {"encoder.embedding_hidden_mapping_in.bias", {h}}},
      };
  for (const auto& [canonical, source] : table) {
    F32Tensor t;
    EB_RETURN_IF_ERROR(src->Get(source.first, source.second, &t));
    c->weights[canonical] = std::move(t);
  }
  return Status::Ok();
}

bool StartsWith(const std::string& s, const char* p) {
  return s.rfind(p, 0) == 0;
}

// Every stored tensor was read, or is the pooler, the MLM head or a buffer.
Status CheckAllUsed(const SafetensorsFile& file, const TensorSource& src) {
  for (const auto& entry : file.tensors()) {
    const std::string& name = entry.first;
    if (src.used().count(name) != 0) continue;
    std::string bare = StartsWith(name, "albert.") ? name.substr(7) : name;
    if (StartsWith(bare, "pooler.") || StartsWith(bare, "predictions.") ||
        bare == "embeddings.position_ids" ||
        bare == "embeddings.token_type_ids") {
      continue;
    }
    return FailedPrecondition(
        file.path() + ": tensor '" + name +
        "' is not used by this AlbertForTokenClassification model (a group "
        "or inner layer beyond num_hidden_groups / inner_group_num, or an "
        "unknown module)");
  }
  return Status::Ok();
}

}  // namespace

Status ParseAlbertConfig(const json& cfg, const std::string& path,
                         Checkpoint* c, AlbertLayout* layout) {
  EB_RETURN_IF_ERROR(ParseAlbertSizes(cfg, path, 128, &c->embedding_size,
                                      &layout->groups, &layout->inner));
  layout->hidden_layers = c->num_layers;
  return SetAlbertLayers(path, layout->groups, layout->inner,
                         AlbertGroupRule::kHuggingFace, c);
}

Status SetAlbertLayers(const std::string& path, int groups, int inner,
                       AlbertGroupRule rule, Checkpoint* c) {
  const int L = c->num_layers, G = groups, K = inner;
  if (G > L) {
    return FailedPrecondition(path + ": num_hidden_groups " +
                              std::to_string(G) + " > num_hidden_layers " +
                              std::to_string(L) +
                              ": some groups would never run");
  }
  if (static_cast<int64_t>(L) * K > 4096) {
    return InvalidArgument(path + ": num_hidden_layers * inner_group_num = " +
                           std::to_string(static_cast<int64_t>(L) * K) +
                           " exceeds 4096");
  }
  c->layer_weights.clear();
  for (int i = 0; i < L; ++i) {
    // The source's own formula in Python floats (IEEE double).
    const int g = rule == AlbertGroupRule::kHuggingFace
                      ? static_cast<int>(i / (static_cast<double>(L) / G))
                      : static_cast<int>(static_cast<double>(i) / L * G);
    for (int k = 0; k < K; ++k) c->layer_weights.push_back(g * K + k);
  }
  c->num_layers = L * K;
  return Status::Ok();
}

Status LoadAlbertWeights(const SafetensorsFile& file,
                         const AlbertLayout& layout, Checkpoint* c) {
  TensorSource src(&file, "albert.");
  EB_RETURN_IF_ERROR(LoadEmbeddings(&src, c));
  for (int g = 0; g < layout.groups; ++g) {
    for (int k = 0; k < layout.inner; ++k) {
      const std::string p = "encoder.albert_layer_groups." + std::to_string(g) +
                            ".albert_layers." + std::to_string(k) + ".";
      EB_RETURN_IF_ERROR(LoadSet(&src, p, g * layout.inner + k, c));
    }
  }
  const int64_t labels = static_cast<int64_t>(c->labels.size());
  const StTensor* cls = file.Find("classifier.weight");
  if (cls != nullptr && cls->shape.size() == 2 &&
      cls->shape[1] == c->hidden_size && cls->shape[0] != labels) {
    return FailedPrecondition("config.json id2label has " +
                              std::to_string(labels) +
                              " labels but classifier.weight has " +
                              std::to_string(cls->shape[0]) + " rows");
  }
  F32Tensor w, b;
  EB_RETURN_IF_ERROR(
      src.Get("classifier.weight", {labels, c->hidden_size}, &w));
  EB_RETURN_IF_ERROR(src.Get("classifier.bias", {labels}, &b));
  c->weights[names::kClassifierWeight] = std::move(w);
  c->weights[names::kClassifierBias] = std::move(b);
  c->source_dtype = src.DTypes();
  return CheckAllUsed(file, src);
}

}  // namespace edgebert
