// The encoder GEMMs a quantizer works on, in file order. A GEMM whose
// weights several layers share (ALBERT weight sets) is one spec, quantized
// once, with every layer that runs it listed in `uses`.
#ifndef EDGEBERT_QUANTIZE_INT8_GEMM_SPECS_H_
#define EDGEBERT_QUANTIZE_INT8_GEMM_SPECS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "quantize/checkpoint.h"

namespace edgebert {

struct GemmSpec {
  int layer;         // weight set ("layer.<set>.*"; = the layer in BERT), or
                     // -1 for the embedding mapping
  const char* gemm;  // observer name
  std::string weight, bias;
  size_t n, k;
  bool gelu;
  std::vector<int> uses;  // layers that run it, in order ({-1}: mapping)
};

// Per weight set: qkv, attn_out, ffn_in (gelu), ffn_out; then, with an
// embedding size, the E -> H mapping (runtime kEmbeddingMapGemm).
std::vector<GemmSpec> GemmSpecs(const Checkpoint& c);

// Index into specs of the GEMM the runtime's observer names (layer, gemm)
// and, in *use, the position of that layer in its `uses`; -1 for others
// (the classifier).
int GemmIndex(const std::vector<GemmSpec>& specs, int layer, const char* gemm,
              int* use);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_GEMM_SPECS_H_
