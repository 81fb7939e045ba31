// Word-table rounding of factorized-embedding (ALBERT) models: the word
// rows feed LayerNorm(E) and then the E -> H mapping, so the error that
// reaches the encoder is the mapped one, not the table's own.
#ifndef EDGEBERT_QUANTIZE_INT8_WORD_ROUNDING_H_
#define EDGEBERT_QUANTIZE_INT8_WORD_ROUNDING_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgebert {

// The Hessian [e, e] of the mapped error of a word row: a row error d
// reaches the mapping output as M diag(gamma) P d / sigma (P = I - 11^T / e,
// LayerNorm's centering; sigma the token's LayerNorm std, a per-token
// constant that does not change the argmin), so
//   H = P diag(gamma) M^T M diag(gamma) P.
// mapping: [h, e] row-major (nn.Linear), gamma: [e].
std::vector<float> MappedErrorHessian(const float* mapping, size_t h, size_t e,
                                      const float* gamma);

// Re-rounds each row of a [rows, e] table with the given per-row scales by
// GPTQ through `hessian` and keeps, per row, whichever of that and the
// rounding already in q has the lower d^T H d (ties: q unchanged). A failed
// factorization leaves q unchanged. Returns the number of rows changed.
size_t RoundRowsThroughHessian(const float* table, size_t rows, size_t e,
                               const float* scales,
                               const std::vector<float>& hessian, int8_t* q);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INT8_WORD_ROUNDING_H_
