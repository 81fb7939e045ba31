#include "quantize/readers/tf/tf_encoder.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

// Canonical shape of a rule's tensor (tensor_names.h) from the config.
StatusOr<std::vector<int64_t>> CanonicalShape(const std::string& canonical,
                                              const Checkpoint& c) {
  namespace n = names;
  const int64_t h = c.hidden_size, in = c.intermediate_size;
  const std::string l = "layer.{i}.";
  const std::map<std::string, std::vector<int64_t>> shapes = {
      {n::kWordEmbeddings, {c.vocab_size, h}},
      {n::kPositionEmbeddings, {c.max_position_embeddings, h}},
      {n::kTokenTypeEmbeddings, {c.type_vocab_size, h}},
      {n::kEmbeddingLnGamma, {h}},
      {n::kEmbeddingLnBeta, {h}},
      {l + n::kQkvWeight, {3 * h, h}},
      {l + n::kQkvBias, {3 * h}},
      {l + n::kAttnOutWeight, {h, h}},
      {l + n::kAttnOutBias, {h}},
      {l + n::kAttnLnGamma, {h}},
      {l + n::kAttnLnBeta, {h}},
      {l + n::kFfnInWeight, {in, h}},
      {l + n::kFfnInBias, {in}},
      {l + n::kFfnOutWeight, {h, in}},
      {l + n::kFfnOutBias, {h}},
      {l + n::kFfnLnGamma, {h}},
      {l + n::kFfnLnBeta, {h}},
  };
  auto it = shapes.find(canonical);
  if (it == shapes.end()) {
    return Internal("tf_names: no shape for canonical tensor '" + canonical +
                    "'");
  }
  return it->second;
}

// One rule at layer `layer` (ignored for non-layer rules).
Status LoadRule(const TfNameRule& rule, int layer,
                const std::vector<int64_t>& shape, TfTensors* tensors,
                Checkpoint* c) {
  const int64_t parts = static_cast<int64_t>(rule.tf.size());
  // Each part holds shape[0] / parts output rows.
  std::vector<int64_t> part = shape;
  part[0] /= parts;
  if (rule.kernel) part = {shape[1], shape[0] / parts};
  F32Tensor out{shape, {}};
  for (const std::string& pattern : rule.tf) {
    const std::string name = ExpandLayer(pattern, layer);
    F32Tensor t;
    EB_RETURN_IF_ERROR(
        rule.kernel ? tensors->ReadKernel(name, part, "bert_config.json", &t)
                    : tensors->Read(name, part, "bert_config.json", &t));
    out.data.insert(out.data.end(), t.data.begin(), t.data.end());
  }
  c->weights[ExpandLayer(rule.canonical, layer)] = std::move(out);
  return Status::Ok();
}

}  // namespace

Status LoadTfEncoder(const TfFamily& family, TfTensors* tensors,
                     Checkpoint* c) {
  for (const TfNameRule& rule : family.rules) {
    StatusOr<std::vector<int64_t>> shape = CanonicalShape(rule.canonical, *c);
    if (!shape.ok()) return shape.status();
    if (!IsLayerRule(rule)) {
      EB_RETURN_IF_ERROR(LoadRule(rule, 0, *shape, tensors, c));
      continue;
    }
    for (int i = 0; i < c->num_layers; ++i) {
      EB_RETURN_IF_ERROR(LoadRule(rule, i, *shape, tensors, c));
    }
  }
  return Status::Ok();
}

}  // namespace edgebert
