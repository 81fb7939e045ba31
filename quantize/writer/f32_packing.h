// The f32 model's encoder GEMM weights stored pre-packed (layout
// F32PackedN16, runtime/kernels/gemm_f32_hwy_layout.h), so the runtime's
// Highway GEMM uses them in place from the mapping instead of repacking a
// copy at every load.
#ifndef EDGEBERT_QUANTIZE_WRITER_F32_PACKING_H_
#define EDGEBERT_QUANTIZE_WRITER_F32_PACKING_H_

#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/writer/ebm_writer.h"

namespace edgebert {

// Rewrites, in place, each per-layer GEMM weight (qkv, attention output,
// ffn in/out: GemmSpecs) of `tensors` that is f32 RowMajor [n, k] to
// F32PackedN16. Other tensors (embeddings, LayerNorm, biases, the head) stay
// RowMajor.
void PackF32GemmWeights(const Checkpoint& ckpt,
                        std::vector<OutputTensor>* tensors);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_WRITER_F32_PACKING_H_
