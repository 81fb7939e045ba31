#include "quantize/checkpoint.h"

#include "runtime/model/tensor_names.h"

namespace edgebert {

std::vector<std::string> CanonicalTensorNames(int num_layers) {
  namespace n = names;
  std::vector<std::string> out = {n::kWordEmbeddings, n::kPositionEmbeddings,
                                  n::kTokenTypeEmbeddings, n::kEmbeddingLnGamma,
                                  n::kEmbeddingLnBeta};
  for (int i = 0; i < num_layers; ++i) {
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

}  // namespace edgebert
