// Dequantization of int8 embedding rows (codec "Embeddings" format: one f32
// scale per row, runtime/quant/codec.h). Highway dynamic dispatch; no
// allocation, validation or logging; safe to call concurrently.
#ifndef EDGEBERT_RUNTIME_KERNELS_EMBEDDING_I8_H_
#define EDGEBERT_RUNTIME_KERNELS_EMBEDDING_I8_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::kernels {

// out[i] = scale * q[i] for i < dim; bit-identical to quant::DequantizeRow.
void DequantizeRowI8(const int8_t* q, size_t dim, float scale, float* out);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_EMBEDDING_I8_H_
