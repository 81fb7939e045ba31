// The encoder GEMMs a quantizer works on, in file order.
#ifndef EDGEBERT_QUANTIZE_INT8_GEMM_SPECS_H_
#define EDGEBERT_QUANTIZE_INT8_GEMM_SPECS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "quantize/checkpoint.h"

namespace edgebert {

struct GemmSpec {
  int layer;
  const char* gemm;  // observer name
  std::string weight, bias;
  size_t n, k;
  bool gelu;
};

// Per layer: qkv, attn_out, ffn_in (gelu), ffn_out.
std::vector<GemmSpec> GemmSpecs(const Checkpoint& c);

// Index into GemmSpecs of the GEMM the runtime's observer names (layer,
// gemm); -1 for others (the classifier).
int GemmIndex(int layer, const char* gemm);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_GEMM_SPECS_H_
