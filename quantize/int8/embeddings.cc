#include "quantize/int8/embeddings.h"

#include "quantize/int8/word_rounding.h"

#include <cmath>
#include <string>
#include <utility>

#include "runtime/model/tensor_names.h"
#include "runtime/quant/codec.h"

namespace edgebert {
namespace {

// Factorized-embedding models: the word rows are re-rounded through the
// mapped-error Hessian (word_rounding.h); others keep nearest rounding.
void RoundWordRowsMapped(const Checkpoint& ckpt, const F32Tensor& e,
                         OutputTensor* t) {
  auto map = ckpt.weights.find(names::kEmbeddingMapWeight);
  auto gamma = ckpt.weights.find(names::kEmbeddingLnGamma);
  if (map == ckpt.weights.end() || gamma == ckpt.weights.end()) return;
  const size_t dim = e.shape[1];
  if (map->second.shape.size() != 2 ||
      static_cast<size_t>(map->second.shape[1]) != dim ||
      gamma->second.data.size() != dim) {
    return;
  }
  const std::vector<float> h =
      MappedErrorHessian(map->second.data.data(), map->second.shape[0], dim,
                         gamma->second.data.data());
  RoundRowsThroughHessian(e.data.data(), e.shape[0], dim, t->scales.data(), h,
                          reinterpret_cast<int8_t*>(t->bytes.data()));
}

EmbeddingResult QuantizeTable(const char* name, const F32Tensor& e,
                              const Checkpoint* mapped) {
  EmbeddingResult er;
  er.name = name;
  const size_t rows = e.shape[0], dim = e.shape[1];
  OutputTensor& t = er.q;
  t.name = name;
  t.shape = e.shape;
  t.dtype = fb::DType::I8;
  t.layout = fb::Layout::RowMajor;
  t.bytes.resize(rows * dim);
  t.scales.resize(rows);
  int8_t* q = reinterpret_cast<int8_t*>(t.bytes.data());
  quant::QuantizeEmbeddingRowsMse(e.data.data(), rows, dim, q, t.scales.data());
  if (mapped != nullptr) RoundWordRowsMapped(*mapped, e, &t);
  double num = 0, den = 0;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t d = 0; d < dim; ++d) {
      const double ref = e.data[r * dim + d];
      const double v = t.scales[r] * static_cast<float>(q[r * dim + d]);
      num += (v - ref) * (v - ref);
      den += ref * ref;
    }
  }
  er.rel_err = den > 0 ? std::sqrt(num / den) : 0.0;
  return er;
}

}  // namespace

std::vector<EmbeddingResult> QuantizeEmbeddings(const Checkpoint& ckpt,
                                                Int8Embeddings which) {
  std::vector<const char*> tables = {names::kWordEmbeddings};
  if (which == Int8Embeddings::kAll) {
    tables.push_back(names::kPositionEmbeddings);
    tables.push_back(names::kTokenTypeEmbeddings);
  }
  std::vector<EmbeddingResult> out;
  for (const char* name : tables) {
    const bool word = std::string(name) == names::kWordEmbeddings;
    out.push_back(
        QuantizeTable(name, ckpt.weights.at(name), word ? &ckpt : nullptr));
  }
  return out;
}

}  // namespace edgebert
