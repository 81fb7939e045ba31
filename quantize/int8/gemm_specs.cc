#include "quantize/int8/gemm_specs.h"

#include <algorithm>
#include <cstring>

#include "runtime/model/encoder.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {

std::vector<GemmSpec> GemmSpecs(const Checkpoint& c) {
  const size_t h = c.hidden_size, in = c.intermediate_size;
  std::vector<GemmSpec> out;
  for (int s = 0; s < c.num_weight_sets(); ++s) {
    std::vector<int> uses;
    for (int i = 0; i < c.num_layers; ++i) {
      if ((c.layer_weights.empty() ? i : c.layer_weights[i]) == s) {
        uses.push_back(i);
      }
    }
    namespace n = names;
    out.push_back({s, "qkv", n::Layer(s, n::kQkvWeight),
                   n::Layer(s, n::kQkvBias), 3 * h, h, false, uses});
    out.push_back({s, "attn_out", n::Layer(s, n::kAttnOutWeight),
                   n::Layer(s, n::kAttnOutBias), h, h, false, uses});
    out.push_back({s, "ffn_in", n::Layer(s, n::kFfnInWeight),
                   n::Layer(s, n::kFfnInBias), in, h, true, uses});
    out.push_back({s, "ffn_out", n::Layer(s, n::kFfnOutWeight),
                   n::Layer(s, n::kFfnOutBias), h, in, false, uses});
  }
  if (c.embedding_size > 0) {
    out.push_back({-1,
                   kEmbeddingMapGemm,
                   names::kEmbeddingMapWeight,
                   names::kEmbeddingMapBias,
                   h,
                   static_cast<size_t>(c.embedding_size),
                   false,
                   {-1}});
  }
  return out;
}

int GemmIndex(const std::vector<GemmSpec>& specs, int layer, const char* gemm,
              int* use) {
  for (size_t i = 0; i < specs.size(); ++i) {
    if (std::strcmp(gemm, specs[i].gemm) != 0) continue;
    const std::vector<int>& u = specs[i].uses;
    auto it = std::find(u.begin(), u.end(), layer);
    if (it == u.end()) continue;
    *use = static_cast<int>(it - u.begin());
    return static_cast<int>(i);
  }
  return -1;
}

}  // namespace edgebert
