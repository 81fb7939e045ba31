// One GEMM's int8 weight tensor and its measured output error.
#ifndef EDGEBERT_QUANTIZE_INT8_GEMM_ERROR_H_
#define EDGEBERT_QUANTIZE_INT8_GEMM_ERROR_H_

#include <cstdint>
#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/int8/calibration.h"
#include "quantize/int8/gemm_specs.h"
#include "quantize/writer/ebm_writer.h"

namespace edgebert {

struct QuantizedGemm {
  OutputTensor tensor;    // I8 / I8PackedK4
  std::vector<int8_t> q;  // unpacked [n, k] (codec UnpackWeightsI8)
};

// w quantized per output channel with absmax scales, rounded to nearest,
// smoothed by `smooth` (empty = none), packed (codec.h PackWeightsI8).
QuantizedGemm PackGemm(const GemmSpec& g, const F32Tensor& w,
                       const std::vector<float>& smooth);

// `base` with its weights replaced by the rounded q[n, k] (same scales and
// smoothing), packed by codec.h PackQuantizedI8.
QuantizedGemm WithRounded(const GemmSpec& g, const QuantizedGemm& base,
                          std::vector<int8_t> q);

// ||y_int8 - y_f32||_F / ||y_f32||_F over the sampled rows of st: x
// quantized per row with 1/s (codec QuantizeRow), int32 dot with the
// quantized weight, dequantized, + bias, GELU for ffn_in computed with
// std::erf (the measurement's own scalar GELU, not the runtime's
// det::GeluErf). 0 for 0/0, infinity for x/0.
double RelErr(const GemmSpec& g, const GemmStats& st, const QuantizedGemm& qg,
              const float* bias);

// RelErr over the sampled rows of each use of g (GemmSpec::uses order).
std::vector<double> RelErrPerUse(const GemmSpec& g, const GemmStats& st,
                                 const QuantizedGemm& qg, const float* bias);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_GEMM_ERROR_H_
