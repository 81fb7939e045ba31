// Embedding-table stage of the int8 path: word (and, with
// Int8Embeddings::kAll, position and token type) embeddings as I8 RowMajor
// [rows, H] with one scale per row (codec QuantizeEmbeddingRowsMse: the
// MSE-optimal clipped absmax scale); the runtime dequantizes rows on the fly.
#ifndef EDGEBERT_QUANTIZE_INT8_EMBEDDINGS_H_
#define EDGEBERT_QUANTIZE_INT8_EMBEDDINGS_H_

#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/options.h"
#include "quantize/writer/ebm_writer.h"

namespace edgebert {

struct EmbeddingResult {
  const char* name;  // canonical tensor name
  OutputTensor q;
  double rel_err = 0;     // ||E_int8 - E||_F / ||E||_F
  bool kept_f32 = false;  // set by the guard (guard.h)
};

// In guard order: word, then position, then token type.
std::vector<EmbeddingResult> QuantizeEmbeddings(const Checkpoint& ckpt,
                                                Int8Embeddings which);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_EMBEDDINGS_H_
