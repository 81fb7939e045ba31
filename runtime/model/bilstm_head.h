// Emissions of a BiLstmCrf head (schema Head, tensor names in
// tensor_names.h), as macanv BERT-BiLSTM-CRF-NER's graph computes them:
//   per direction: x -> cell 0 -> ... -> cell (layers-1)   (TF LSTMCell,
//     the backward stack over the reversed positions),
//   o = [fw, bw]                                     [n, 2U]
//   p = tanh(o Wh^T + bh)         if project_hidden > 0, else p = o
//   e = p Wc^T + bc  (tanh(...) if logits_tanh)      [n, labels]
// Each cell's input part x W_x + b is one GEMM over all positions (Linear:
// f32 or int8 as stored), the recurrence kernels::LstmSequence.
//
// Memory: buffers for max_rows positions are allocated by Create; Forward
// does not allocate. Not reentrant (one per Tagger).
#ifndef EDGEBERT_RUNTIME_MODEL_BILSTM_HEAD_H_
#define EDGEBERT_RUNTIME_MODEL_BILSTM_HEAD_H_

#include <pthreadpool.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "runtime/base/status.h"
#include "runtime/model/linear.h"
#include "runtime/model/model_file.h"

namespace edgebert {

class BiLstmHead {
 public:
  // Binds and checks every head tensor against the Head config and the
  // encoder's hidden size (errors name the tensor, expected and actual
  // shape). f32_backend as for the encoder's classifier.
  static StatusOr<std::unique_ptr<BiLstmHead>> Create(
      const ModelFile& file, size_t hidden, size_t max_rows,
      GemmF32::Backend f32_backend);
  ~BiLstmHead();

  // x: [n, hidden] (row stride hidden), 1 <= n <= max_rows. Returns the
  // emissions [n, labels], valid until the next call.
  const float* Forward(const float* x, size_t n, pthreadpool_t pool);

  size_t buffer_bytes() const { return buffer_bytes_; }
  size_t owned_weight_bytes() const;

 private:
  struct Cell {
    std::unique_ptr<Linear> input;     // [4U, in]
    const float* recurrent = nullptr;  // [U, 4U]
  };
  BiLstmHead() = default;
  Status Bind(const ModelFile& file, size_t hidden, GemmF32::Backend backend);
  void Allocate();

  size_t units_ = 0, proj_ = 0, labels_ = 0, max_rows_ = 0;
  bool logits_tanh_ = false;
  std::vector<Cell> cells_[2];  // [0] forward, [1] backward.
  std::unique_ptr<Linear> hidden_, logits_;
  // One allocation, 64-byte aligned slices.
  void* buffer_ = nullptr;
  size_t buffer_bytes_ = 0;
  float *xz_ = nullptr, *stack_ = nullptr, *cat_ = nullptr,
        *proj_buf_ = nullptr, *out_ = nullptr, *lstm_scratch_ = nullptr;
  void* gemm_scratch_ = nullptr;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_BILSTM_HEAD_H_
