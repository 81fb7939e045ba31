// The BERT encoder + token-classification head over one window of tokens.
//
// Forward pass (HF BertForTokenClassification, post-LN):
//   x   = LN(word[ids] + type[0] + pos[0..n))
//   per layer:
//     qkv = x Wqkv^T + bqkv                         [n, 3H]
//     ctx = softmax(q k^T / sqrt(d)) v  per head    [n, H]
//     x   = LN(ctx Wo^T + bo + x)
//     h   = GELU(x Wi^T + bi)                        [n, I]
//     x   = LN(h Wo2^T + bo2 + x)
//   logits = x Wc^T + bc                            [n, L]
// All windows are run unpadded (exact length), so no attention mask is
// needed.
//
// Memory: one arena, sized at Create() for max_seq tokens; Forward() does not
// allocate. Not reentrant (see Tagger's concurrency contract).
#ifndef EDGEBERT_RUNTIME_MODEL_ENCODER_H_
#define EDGEBERT_RUNTIME_MODEL_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/status.h"
#include "runtime/base/thread_pool.h"
#include "runtime/model/linear.h"
#include "runtime/model/model_file.h"

namespace edgebert {

class Encoder {
 public:
  static StatusOr<std::unique_ptr<Encoder>> Create(
      const ModelFile& file, size_t max_seq,
      GemmF32::Backend f32_backend = GemmF32::Backend::kAuto);
  ~Encoder();

  // ids: n token ids (incl. [CLS]/[SEP]), 1 <= n <= max_seq, each in
  // [0, vocab) (the tokenizer guarantees it). Returns logits [n, labels],
  // valid until the next call.
  const float* Forward(const int32_t* ids, size_t n, ThreadPool* pool);

  // Called after every GEMM with (layer or -1, name, x, y, rows, k, n).
  using Observer = std::function<void(int, const char*, const float*,
                                      const float*, size_t, size_t, size_t)>;
  void SetObserver(Observer o) { observer_ = std::move(o); }

  size_t max_seq() const { return max_seq_; }
  size_t num_labels() const { return labels_; }
  size_t arena_bytes() const { return arena_bytes_; }
  size_t owned_weight_bytes() const;
  std::string gemm_kinds() const;  // e.g. "xnnpack" or "int8,xnnpack"

 private:
  struct Layer {
    std::unique_ptr<Linear> qkv, attn_out, ffn_in, ffn_out;
    const float *attn_ln_g, *attn_ln_b, *ffn_ln_g, *ffn_ln_b;
  };
  // Each table is f32 [rows, H], or int8 [rows, H] with one scale per row
  // (scales != null; value = scale[r] * q[r, d], runtime/quant/codec.h).
  struct Embeddings {
    const TensorView* word = nullptr;  // [V, H]
    const float* word_scales = nullptr;
    const TensorView* position = nullptr;  // [P, H]
    const float* position_scales = nullptr;
    const TensorView* token_type = nullptr;  // [T, H]
    const float* token_type_scales = nullptr;
    const float *ln_g = nullptr, *ln_b = nullptr;
  };

  Encoder() = default;
  void GatherEmbeddings(const int32_t* ids, size_t n, float* x) const;
  void RunLinear(Linear& l, int layer, const char* name, const float* x,
                 size_t n, float* y, ThreadPool* pool);
  void RunAttention(const float* qkv, size_t n, float* ctx, ThreadPool* pool);

  size_t hidden_ = 0, heads_ = 0, inter_ = 0, labels_ = 0, max_seq_ = 0;
  float eps_ = 0;
  Embeddings emb_;
  std::vector<Layer> layers_;
  std::unique_ptr<Linear> classifier_;
  Observer observer_;

  // Arena (64-byte aligned slices).
  void* arena_ = nullptr;
  size_t arena_bytes_ = 0;
  float *x_ = nullptr, *qkv_ = nullptr, *ctx_ = nullptr, *tmp_ = nullptr,
        *inter_buf_ = nullptr, *logits_ = nullptr, *attn_scratch_ = nullptr;
  void* gemm_scratch_ = nullptr;
  size_t attn_scratch_floats_ = 0;

  friend struct AttentionTask;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_ENCODER_H_
