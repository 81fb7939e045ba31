// Which int8 GEMMs quantize their activations in two passes (the row, then
// its residual; runtime/quant/codec.h ActivationResidual): about 2x that
// GEMM's int8 time for ~15-bit activations, on the same int8 weights.
#ifndef EDGEBERT_QUANTIZE_INT8_TWO_PASS_H_
#define EDGEBERT_QUANTIZE_INT8_TWO_PASS_H_

#include <string>
#include <vector>

#include "quantize/int8/gemm_quantizer.h"
#include "quantize/int8/gemm_specs.h"
#include "runtime/base/status.h"

namespace edgebert {

// `requested`: GEMM weight names as in GemmSpec (e.g.
// "layer.0.attention.qkv.weight"), or "auto" = the E -> H embedding mapping
// of a factorized-embedding (ALBERT) model if there is one (its output
// starts the residual stream every layer adds to, and it is ~1% of the
// encoder's multiply-adds), or "none". Sets activation_passes = 2 on the
// chosen GEMMs' int8 tensors. InvalidArgument "--two-pass '<name>' ..."
// listing the valid names for any other name.
Status MarkTwoPass(const std::vector<std::string>& requested,
                   const std::vector<GemmSpec>& specs,
                   std::vector<GemmResult>* gemms);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_TWO_PASS_H_
