#include "runtime/model/layer_sharing.h"

#include <algorithm>
#include <cstdint>

namespace edgebert {

Status ValidateLayerSharing(const fb::EncoderConfig& e, size_t num_tensors,
                            const std::string& where) {
  if (e.embedding_size() < 0) {
    return FailedPrecondition(where + "encoder.embedding_size = " +
                              std::to_string(e.embedding_size()) +
                              " must be >= 0 (0 = no E -> H mapping)");
  }
  if (e.embedding_mapping() != fb::EmbeddingMapping::AfterLayerNorm &&
      e.embedding_mapping() != fb::EmbeddingMapping::WordOnly) {
    return FailedPrecondition(
        where + "encoder.embedding_mapping = " +
        std::to_string(static_cast<int>(e.embedding_mapping())) +
        " is not AfterLayerNorm (0) or WordOnly (1)");
  }
  const auto* lw = e.layer_weights();
  const int layers = e.num_layers();
  if (lw == nullptr || lw->size() == 0) {
    if (static_cast<uint64_t>(layers) > num_tensors) {
      return FailedPrecondition(
          where + "encoder.num_layers = " + std::to_string(layers) +
          " exceeds the file's " + std::to_string(num_tensors) +
          " tensors (without layer_weights every layer has its own)");
    }
    return Status::Ok();
  }
  if (static_cast<int64_t>(lw->size()) != layers) {
    return FailedPrecondition(where + "encoder.layer_weights has " +
                              std::to_string(lw->size()) +
                              " entries but num_layers is " +
                              std::to_string(layers) + " (one per layer)");
  }
  std::vector<bool> used(static_cast<size_t>(layers), false);
  int max_set = -1;
  for (int i = 0; i < layers; ++i) {
    const int s = lw->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (s < 0 || s >= layers) {
      return FailedPrecondition(
          where + "encoder.layer_weights[" + std::to_string(i) +
          "] = " + std::to_string(s) +
          " is outside [0, num_layers = " + std::to_string(layers) + ")");
    }
    used[static_cast<size_t>(s)] = true;
    max_set = std::max(max_set, s);
  }
  for (int s = 0; s <= max_set; ++s) {
    if (!used[static_cast<size_t>(s)]) {
      return FailedPrecondition(
          where + "encoder.layer_weights: weight set " + std::to_string(s) +
          " is used by no layer (sets must be numbered 0.." +
          std::to_string(max_set) + " without gaps)");
    }
  }
  return Status::Ok();
}

std::vector<int> LayerWeightSets(const fb::EncoderConfig& e) {
  const auto* lw = e.layer_weights();
  if (lw == nullptr || lw->size() == 0) {
    std::vector<int> identity(static_cast<size_t>(e.num_layers()));
    for (size_t i = 0; i < identity.size(); ++i) {
      identity[i] = static_cast<int>(i);
    }
    return identity;
  }
  return std::vector<int>(lw->begin(), lw->end());
}

int NumWeightSets(const std::vector<int>& layer_sets) {
  int max_set = -1;
  for (int s : layer_sets) max_set = std::max(max_set, s);
  return max_set + 1;
}

}  // namespace edgebert
