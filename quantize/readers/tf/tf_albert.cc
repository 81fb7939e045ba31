#include "quantize/readers/tf/tf_albert.h"

#include <nlohmann/json.hpp>

#include "quantize/readers/file_util.h"
#include "quantize/readers/hf_albert.h"
#include "quantize/readers/hf_config.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

constexpr const char* kMappingKernel =
    "bert/encoder/embedding_hidden_mapping_in/kernel";

// albert_zh: every layer runs set 0; the mapping has no bias.
Status SharedLayout(const std::string& path, int e, int groups, int inner,
                    Checkpoint* c) {
  if (groups != 1 || inner != 1) {
    return FailedPrecondition(path +
                              ": brightmart/albert_zh checkpoints share one "
                              "layer (layer_shared), but num_hidden_groups = " +
                              std::to_string(groups) +
                              ", inner_group_num = " + std::to_string(inner));
  }
  c->embedding_size = e;
  c->embedding_mapping = fb::EmbeddingMapping::WordOnly;
  c->layer_weights.assign(static_cast<size_t>(c->num_layers), 0);
  c->weights[names::kEmbeddingMapBias] =
      F32Tensor{{c->hidden_size}, std::vector<float>(c->hidden_size, 0.0f)};
  return Status::Ok();
}

}  // namespace

Status ParseTfAlbertConfig(const std::string& path, const TfTensors& tensors,
                           TfLayers layers, Checkpoint* c, int* inner) {
  StatusOr<nlohmann::json> jor = ReadJson(path);
  if (!jor.ok()) return jor.status();
  const nlohmann::json& cfg = *jor;
  int e = 0, groups = 1;
  EB_RETURN_IF_ERROR(ParseAlbertSizes(cfg, path, 0, &e, &groups, inner));
  if (layers == TfLayers::kShared) {
    return SharedLayout(path, e, groups, *inner, c);
  }
  const bool mapped = tensors.Has(kMappingKernel);
  if (!mapped && e != c->hidden_size) {
    return FailedPrecondition(tensors.label() + ": no '" + kMappingKernel +
                              "' but embedding_size " + std::to_string(e) +
                              " != hidden_size " +
                              std::to_string(c->hidden_size));
  }
  c->embedding_size = mapped ? e : 0;
  return SetAlbertLayers(path, groups, *inner, AlbertGroupRule::kGoogle, c);
}

}  // namespace edgebert
