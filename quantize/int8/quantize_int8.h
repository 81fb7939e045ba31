// The int8 path of edgebert-convert: Checkpoint -> the tensors of the int8
// model and its JSON report. Stages, each in its own file and usable alone:
//
//  1. calibration.h     (with a calibration file, calibration_text.h) the
//                       f32 model runs in memory on the calibration
//                       sentences; per-GEMM input statistics, samples and
//                       Hessians, and the f32 tags.
//  2. gemm_quantizer.h  per GEMM: SmoothQuant factors (smoothing.h), chosen
//                       by measured output error (gemm_error.h), then GPTQ
//                       rounding (gptq.h) where it lowers that error.
//  3. embeddings.h      int8 embedding tables, one scale per row.
//  4. guard.h           (calibrated) end-to-end fidelity against f32; with
//                       min_fidelity, keeps the worst tensors f32.
//  5. report.h          JSON report + stderr summary.
//
// Stored model (what the runtime loads, runtime/model/linear.cc):
//   encoder GEMM weights  I8 / I8PackedK4, logical [N, K], quant.scales[N],
//                         quant.weight_sums[N], quant.smooth[K] or empty
//                         (runtime/quant/codec.h PackWeightsI8);
//                         or F32 RowMajor [N, K] when the guard keeps it f32.
//   embeddings            I8 RowMajor [rows, H], quant.scales[rows] (word;
//                         position / token type with Int8Embeddings::kAll),
//                         or F32; the runtime accepts F32 or I8 for each.
//   everything else       F32 (biases, LayerNorms, classifier).
#ifndef EDGEBERT_QUANTIZE_INT8_QUANTIZE_INT8_H_
#define EDGEBERT_QUANTIZE_INT8_QUANTIZE_INT8_H_

#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/options.h"
#include "quantize/writer/ebm_writer.h"
#include "runtime/base/status.h"

namespace edgebert {

// The int8 model's tensors (CanonicalTensorNames order) and *quant_report.
// max_seq_len: the resolved window length of the written model (calibration
// and guard runs use it). InvalidArgument for options out of range
// (ValidateInt8Options); NotFound / InvalidArgument for the calibration file.
StatusOr<std::vector<OutputTensor>> QuantizeInt8(const Checkpoint& ckpt,
                                                 const Int8Options& options,
                                                 int max_seq_len,
                                                 std::string* quant_report);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_QUANTIZE_INT8_H_
