#include "quantize/checkpoint.h"

#include <algorithm>

#include "runtime/model/tensor_names.h"

namespace edgebert {

int Checkpoint::num_weight_sets() const {
  if (layer_weights.empty()) return num_layers;
  return 1 + *std::max_element(layer_weights.begin(), layer_weights.end());
}

std::vector<std::string> CanonicalTensorNames(int num_sets,
                                              bool embedding_mapping) {
  namespace n = names;
  std::vector<std::string> out = {n::kWordEmbeddings, n::kPositionEmbeddings,
                                  n::kTokenTypeEmbeddings, n::kEmbeddingLnGamma,
                                  n::kEmbeddingLnBeta};
  if (embedding_mapping) {
    out.push_back(n::kEmbeddingMapWeight);
    out.push_back(n::kEmbeddingMapBias);
  }
  for (int i = 0; i < num_sets; ++i) {
    for (const char* s :
         {n::kQkvWeight, n::kQkvBias, n::kAttnOutWeight, n::kAttnOutBias,
          n::kAttnLnGamma, n::kAttnLnBeta, n::kFfnInWeight, n::kFfnInBias,
          n::kFfnOutWeight, n::kFfnOutBias, n::kFfnLnGamma, n::kFfnLnBeta}) {
      out.push_back(n::Layer(i, s));
    }
  }
  out.push_back(n::kClassifierWeight);
  out.push_back(n::kClassifierBias);
  return out;
}

std::vector<std::string> CanonicalTensorNames(const Checkpoint& c) {
  return CanonicalTensorNames(c.num_weight_sets(), c.embedding_size > 0);
}

}  // namespace edgebert
