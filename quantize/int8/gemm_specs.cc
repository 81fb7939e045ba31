#include "quantize/int8/gemm_specs.h"

#include <cstring>

#include "runtime/model/tensor_names.h"

namespace edgebert {

std::vector<GemmSpec> GemmSpecs(const Checkpoint& c) {
  const size_t h = c.hidden_size, in = c.intermediate_size;
  std::vector<GemmSpec> out;
  for (int i = 0; i < c.num_layers; ++i) {
    namespace n = names;
    out.push_back({i, "qkv", n::Layer(i, n::kQkvWeight),
                   n::Layer(i, n::kQkvBias), 3 * h, h, false});
    out.push_back({i, "attn_out", n::Layer(i, n::kAttnOutWeight),
                   n::Layer(i, n::kAttnOutBias), h, h, false});
    out.push_back({i, "ffn_in", n::Layer(i, n::kFfnInWeight),
                   n::Layer(i, n::kFfnInBias), in, h, true});
    out.push_back({i, "ffn_out", n::Layer(i, n::kFfnOutWeight),
                   n::Layer(i, n::kFfnOutBias), h, in, false});
  }
  return out;
}

int GemmIndex(int layer, const char* gemm) {
  static const char* const kNames[] = {"qkv", "attn_out", "ffn_in", "ffn_out"};
  for (int j = 0; j < 4; ++j) {
    if (std::strcmp(gemm, kNames[j]) == 0) return layer * 4 + j;
  }
  return -1;
}

}  // namespace edgebert
