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

std::vector<std::string> HeadTensorNames(const HeadOptions& head) {
  namespace n = names;
  std::vector<std::string> out;
  if (head.kind != fb::HeadKind::BiLstmCrf) return out;
  for (int bw = 0; bw < 2; ++bw) {
    for (int c = 0; c < head.lstm_layers; ++c) {
      for (const char* s :
           {n::kLstmInputWeight, n::kLstmInputBias, n::kLstmRecurrent}) {
        out.push_back(n::Lstm(bw != 0, c, s));
      }
    }
  }
  if (head.project_hidden > 0) {
    out.push_back(n::kProjectHiddenWeight);
    out.push_back(n::kProjectHiddenBias);
  }
  return out;
}

}  // namespace edgebert
