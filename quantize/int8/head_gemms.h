// The head GEMMs an int8 model stores int8: the BiLstmCrf head's LSTM input
// projections (lstm.<d>.<c>.input.weight, one GEMM over all positions;
// runtime/model/bilstm_head.h runs them as Linear of either dtype). Absmax
// per output channel, nearest rounding, no smoothing (codec PackWeightsI8).
// The recurrent matrices, project.hidden and the classifier stay f32.
#ifndef EDGEBERT_QUANTIZE_INT8_HEAD_GEMMS_H_
#define EDGEBERT_QUANTIZE_INT8_HEAD_GEMMS_H_

#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/writer/ebm_writer.h"

namespace edgebert {

// Replaces those tensors of `tensors` (f32, as F32Tensors writes them) by
// their int8 I8PackedK4 form; no-op for other heads.
void QuantizeHeadGemms(const Checkpoint& ckpt,
                       std::vector<OutputTensor>* tensors);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_HEAD_GEMMS_H_
