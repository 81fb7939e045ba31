// The BERT encoder + token-classification head over one window of tokens.
//
// Forward pass (HF BertForTokenClassification, post-LN):
//   x   = LN(word[ids] + type[0] + pos[0..n))
//   x   = x Wm^T + bm        only with an E -> H mapping (ALBERT; the
//                            tables and LN are then E wide)
//   (albert_zh, EmbeddingMapping WordOnly: x = LN(word[ids] Wm^T + bm +
//    type[0] + pos[0..n)), only the word table E wide)
//   per layer (its weight set, shared by several layers in ALBERT):
//     qkv = x Wqkv^T + bqkv                         [n, 3H]
//     ctx = softmax(q k^T / sqrt(d)) v  per head    [n, H]
//                           (int8 products when the file says
//                            attention Int8, kernels/attention_i8.h)
//     x   = LN(ctx Wo^T + bo + x)
//     h   = GELU(x Wi^T + bi)                        [n, I]
//     x   = LN(h Wo2^T + bo2 + x)
//   logits = x Wc^T + bc                            [n, L]
// Windows run unpadded (exact length), or padded to a fixed length with an
// additive attention mask over the padding keys (Encode's `valid`).
//
// Memory: the weights (EncoderWeights) are shared by every Encoder of a model;
// an Encoder owns only one arena, sized at Create() for max_seq tokens.
// Forward() does not allocate. Not reentrant (one Encoder per Tagger, see
// Tagger's concurrency contract).
#ifndef EDGEBERT_RUNTIME_MODEL_ENCODER_H_
#define EDGEBERT_RUNTIME_MODEL_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/status.h"
#include "runtime/model/encoder_weights.h"
#include "runtime/model/linear.h"
#include "runtime/model/op_profile.h"

namespace edgebert {

// Observer name of the E -> H embedding mapping GEMM.
inline constexpr const char* kEmbeddingMapGemm = "embedding_map";

class Encoder {
 public:
  // `weights` must outlive the Encoder. InvalidArgument unless
  // 3 <= max_seq <= max_position_embeddings.
  static StatusOr<std::unique_ptr<Encoder>> Create(
      const EncoderWeights& weights, size_t max_seq);
  ~Encoder();

  // ids: n token ids (incl. [CLS]/[SEP]), 1 <= n <= max_seq, each in
  // [0, vocab) (the tokenizer guarantees it). Returns logits [n, labels],
  // valid until the next call. Requires has_classifier().
  const float* Forward(const int32_t* ids, size_t n, ThreadPool* pool);

  // The encoder output [n, hidden] (before the classifier), valid until the
  // next call. Positions >= valid are padding: keys there get the additive
  // mask -10000 (google-research/bert), so rows < valid do not depend on
  // them (up to exp(-10000) = 0); their own rows are still computed.
  // 1 <= valid <= n <= max_seq.
  const float* Encode(const int32_t* ids, size_t n, size_t valid,
                      ThreadPool* pool);
  // False for a BiLstmCrf head (its classifier belongs to the head).
  bool has_classifier() const { return w_.classifier != nullptr; }
  size_t hidden_size() const { return w_.hidden; }

  // Called after every GEMM with (layer or -1, name, x, y, rows, k, n);
  // layer is the layer's position (not its weight set), -1 for the
  // classifier and the embedding mapping (kEmbeddingMapGemm).
  using Observer = std::function<void(int, const char*, const float*,
                                      const float*, size_t, size_t, size_t)>;
  void SetObserver(Observer o) { observer_ = std::move(o); }
  // Adds each op's time to *profile from the next call on; null (the
  // default) turns profiling off. `profile` must outlive its use.
  void SetProfile(OpProfile* profile) { profile_ = profile; }
  OpProfile* profile() const { return profile_; }

  size_t max_seq() const { return max_seq_; }
  size_t arena_bytes() const { return arena_bytes_; }

 private:
  explicit Encoder(const EncoderWeights& w) : w_(w) {}
  void GatherWords(const int32_t* ids, size_t n, float* out) const;
  void AddTypeZero(float* x, size_t n) const;
  void EmbedPositions(float* x, size_t n);
  void Embed(const int32_t* ids, size_t n, ThreadPool* pool);
  void RunLinear(const Linear& l, int layer, const char* name, const float* x,
                 size_t n, float* y, ThreadPool* pool);
  Status PlanArena(size_t max_seq);

  const EncoderWeights& w_;
  size_t max_seq_ = 0;
  Observer observer_;
  OpProfile* profile_ = nullptr;

  // Arena (64-byte aligned slices).
  void* arena_ = nullptr;
  size_t arena_bytes_ = 0;
  float *x_ = nullptr, *qkv_ = nullptr, *ctx_ = nullptr, *tmp_ = nullptr,
        *inter_buf_ = nullptr, *logits_ = nullptr, *mask_ = nullptr;
  uint8_t* attn_scratch_ = nullptr;  // heads x attn_scratch_bytes_
  float* emb_ = nullptr;  // embedding rows [S, E]; = x_ without a mapping
  void* gemm_scratch_ = nullptr;
  size_t attn_scratch_bytes_ = 0;

  friend struct AttentionTask;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_ENCODER_H_
