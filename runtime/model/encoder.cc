#include "runtime/model/encoder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "runtime/kernels/attention_i8.h"
#include "runtime/kernels/embedding_i8.h"
#include "runtime/kernels/kernels.h"

namespace edgebert {
namespace {

constexpr size_t kAlign = 64;
size_t AlignUp(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

}  // namespace

// Attention heads are spread over the pool; each head owns a scratch slice.
struct AttentionTask {
  const float* qkv;
  size_t n, heads, head_dim, hidden;
  float scale;
  uint8_t* scratch;
  size_t scratch_bytes;  // per head
  float* ctx;
  const float* mask_add;  // null: every key valid.
  bool int8;              // kernels::AttentionI8, else kernels::Attention.
  static void Run(void* p, size_t head) {
    const AttentionTask& t = *static_cast<const AttentionTask*>(p);
    uint8_t* scratch = t.scratch + head * t.scratch_bytes;
    if (t.int8) {
      kernels::AttentionI8(t.qkv, 3 * t.hidden, t.n, t.heads, t.head_dim,
                           t.scale, t.mask_add, head, head + 1, scratch, t.ctx,
                           t.hidden);
      return;
    }
    kernels::Attention(t.qkv, 3 * t.hidden, t.n, t.heads, t.head_dim, t.scale,
                       t.mask_add, head, head + 1,
                       reinterpret_cast<float*>(scratch), t.ctx, t.hidden);
  }
};

Encoder::~Encoder() { std::free(arena_); }

StatusOr<std::unique_ptr<Encoder>> Encoder::Create(
    const EncoderWeights& weights, size_t max_seq) {
  if (max_seq < 3 || max_seq > weights.max_positions) {
    return InvalidArgument("max_seq_len " + std::to_string(max_seq) +
                           " must be in [3, max_position_embeddings = " +
                           std::to_string(weights.max_positions) + "]");
  }
  std::unique_ptr<Encoder> e(new Encoder(weights));
  e->max_seq_ = max_seq;
  EB_RETURN_IF_ERROR(e->PlanArena(max_seq));
  return e;
}

// One zeroed 64-byte aligned block holding every activation of a window of S
// tokens, sliced in a fixed order.
Status Encoder::PlanArena(size_t S) {
  const size_t H = w_.hidden;
  attn_scratch_bytes_ = AlignUp(
      w_.int8_attention ? kernels::AttentionI8ScratchBytes(S, H / w_.heads)
                        : kernels::AttentionScratchFloats(S) * sizeof(float));
  const size_t sizes[] = {
      S * H * sizeof(float),                                       // x
      S * 3 * H * sizeof(float),                                   // qkv
      S * H * sizeof(float),                                       // ctx
      S * std::max(H, w_.emb.width) * sizeof(float),               // tmp
      S * w_.inter * sizeof(float),                                // inter
      S * w_.labels * sizeof(float),                               // logits
      w_.heads * attn_scratch_bytes_,                              // attention
      w_.GemmScratchBytes(S),                                      // gemm
      S * sizeof(float),                                           // mask
      w_.emb.mapping ? S * w_.emb.word_width * sizeof(float) : 0,  // emb
  };
  size_t total = 0;
  for (size_t s : sizes) total += AlignUp(s);
  arena_bytes_ = total;
  arena_ = std::aligned_alloc(kAlign, std::max<size_t>(total, kAlign));
  if (arena_ == nullptr) {
    return ResourceExhausted("cannot allocate the " + std::to_string(total) +
                             "-byte activation arena");
  }
  std::memset(arena_, 0, total);
  uint8_t* p = static_cast<uint8_t*>(arena_);
  constexpr int kSlots = sizeof(sizes) / sizeof(sizes[0]);
  void* slots[kSlots];
  for (int i = 0; i < kSlots; ++i) {
    slots[i] = p;
    p += AlignUp(sizes[i]);
  }
  x_ = static_cast<float*>(slots[0]);
  qkv_ = static_cast<float*>(slots[1]);
  ctx_ = static_cast<float*>(slots[2]);
  tmp_ = static_cast<float*>(slots[3]);
  inter_buf_ = static_cast<float*>(slots[4]);
  logits_ = static_cast<float*>(slots[5]);
  attn_scratch_ = static_cast<uint8_t*>(slots[6]);
  gemm_scratch_ = slots[7];
  mask_ = static_cast<float*>(slots[8]);
  emb_ = w_.emb.mapping ? static_cast<float*>(slots[9]) : x_;
  return Status::Ok();
}

// Word rows [n, word_width] into out; an int8 row is dequantized on the
// fly (scale * q, codec.h).
void Encoder::GatherWords(const int32_t* ids, size_t n, float* out) const {
  const EncoderWeights::Embeddings& emb = w_.emb;
  const size_t W = emb.word_width;
  if (emb.word_scales != nullptr) {
    const int8_t* word = emb.word->as<int8_t>();
    for (size_t r = 0; r < n; ++r) {
      const size_t id = static_cast<size_t>(ids[r]);
      kernels::DequantizeRowI8(word + id * W, W, emb.word_scales[id],
                               out + r * W);
    }
    return;
  }
  const float* word = emb.word->as<float>();
  for (size_t r = 0; r < n; ++r) {
    std::memcpy(out + r * W, word + static_cast<size_t>(ids[r]) * W,
                W * sizeof(float));
  }
}

// Single-segment input: token type id 0, row 0 of the table, added to each
// of the n rows [n, width] of x (int8 dequantized in the same f32 add).
void Encoder::AddTypeZero(float* x, size_t n) const {
  const EncoderWeights::Embeddings& emb = w_.emb;
  const size_t D = emb.width;
  for (size_t r = 0; r < n; ++r) {
    float* out = x + r * D;
    if (emb.token_type_scales == nullptr) {
      const float* type0 = emb.token_type->as<float>();
      for (size_t j = 0; j < D; ++j) out[j] += type0[j];
    } else {
      const int8_t* q = emb.token_type->as<int8_t>();
      const float scale = emb.token_type_scales[0];
      for (size_t j = 0; j < D; ++j) out[j] += scale * static_cast<float>(q[j]);
    }
  }
}

void Encoder::RunLinear(const Linear& l, int layer, const char* name,
                        const float* x, size_t n, float* y, ThreadPool* pool) {
  {
    ScopedOpTimer timer(profile_, profile_ ? OpPartOfGemm(name) : OpPart::kHead,
                        uint64_t{n} * l.k() * l.n());
    l.Run(x, n, y, gemm_scratch_, pool);
  }
  if (observer_) observer_(layer, name, x, y, n, l.k(), l.n());
}

// x = LN(x + position) over rows [n, width], positions 0..n-1 being
// contiguous rows, dequantized into tmp_ (free until attn_out) when int8.
void Encoder::EmbedPositions(float* x, size_t n) {
  const EncoderWeights::Embeddings& emb = w_.emb;
  const size_t D = emb.width;
  const float* position = emb.position->as<float>();
  if (emb.position_scales != nullptr) {
    const int8_t* pq = emb.position->as<int8_t>();
    for (size_t r = 0; r < n; ++r) {
      kernels::DequantizeRowI8(pq + r * D, D, emb.position_scales[r],
                               tmp_ + r * D);
    }
    position = tmp_;
  }
  kernels::AddLayerNorm(x, position, emb.ln_g, emb.ln_b, w_.eps, n, D, x);
}

// x_ = the encoder input [n, H] (see the header's forward pass). The
// mapping GEMM is timed by RunLinear, the rest as kEmbeddings.
void Encoder::Embed(const int32_t* ids, size_t n, ThreadPool* pool) {
  const EncoderWeights::Embeddings& emb = w_.emb;
  if (emb.word_only) {  // albert_zh: map the word rows, then add and LN.
    {
      ScopedOpTimer timer(profile_, OpPart::kEmbeddings);
      GatherWords(ids, n, emb_);
    }
    RunLinear(*emb.mapping, -1, kEmbeddingMapGemm, emb_, n, x_, pool);
    ScopedOpTimer timer(profile_, OpPart::kEmbeddings);
    AddTypeZero(x_, n);
    EmbedPositions(x_, n);
    return;
  }
  {
    ScopedOpTimer timer(profile_, OpPart::kEmbeddings);
    GatherWords(ids, n, emb_);
    AddTypeZero(emb_, n);
    EmbedPositions(emb_, n);
  }
  if (emb.mapping) {
    RunLinear(*emb.mapping, -1, kEmbeddingMapGemm, emb_, n, x_, pool);
  }
}

const float* Encoder::Forward(const int32_t* ids, size_t n, ThreadPool* pool) {
  EB_CHECK(has_classifier());
  Encode(ids, n, n, pool);
  RunLinear(*w_.classifier, -1, "classifier", x_, n, logits_, pool);
  return logits_;
}

const float* Encoder::Encode(const int32_t* ids, size_t n, size_t valid,
                             ThreadPool* pool) {
  EB_CHECK(n >= 1 && n <= max_seq_ && valid >= 1 && valid <= n);
  // google-research/bert's additive mask: (1 - input_mask) * -10000.
  for (size_t j = 0; j < n; ++j) mask_[j] = j < valid ? 0.0f : -10000.0f;
  const size_t H = w_.hidden, heads = w_.heads;
  Embed(ids, n, pool);
  const size_t head_dim = H / heads;
  AttentionTask task{qkv_,
                     n,
                     heads,
                     head_dim,
                     H,
                     1.0f / std::sqrt(static_cast<float>(head_dim)),
                     attn_scratch_,
                     attn_scratch_bytes_,
                     ctx_,
                     valid < n ? mask_ : nullptr,
                     w_.int8_attention};
  for (size_t li = 0; li < w_.layer_sets.size(); ++li) {
    const EncoderWeights::Layer& l =
        w_.sets[static_cast<size_t>(w_.layer_sets[li])];
    const int layer = static_cast<int>(li);
    RunLinear(*l.qkv, layer, "qkv", x_, n, qkv_, pool);
    {
      ScopedOpTimer timer(profile_, OpPart::kAttention,
                          uint64_t{2} * n * n * H);
      ParallelFor(pool, &AttentionTask::Run, &task, heads);
    }
    RunLinear(*l.attn_out, layer, "attn_out", ctx_, n, tmp_, pool);
    {
      ScopedOpTimer timer(profile_, OpPart::kLayerNorm);
      kernels::AddLayerNorm(tmp_, x_, l.attn_ln_g, l.attn_ln_b, w_.eps, n, H,
                            x_);
    }
    RunLinear(*l.ffn_in, layer, "ffn_in", x_, n, inter_buf_, pool);
    RunLinear(*l.ffn_out, layer, "ffn_out", inter_buf_, n, tmp_, pool);
    ScopedOpTimer timer(profile_, OpPart::kLayerNorm);
    kernels::AddLayerNorm(tmp_, x_, l.ffn_ln_g, l.ffn_ln_b, w_.eps, n, H, x_);
  }
  return x_;
}

}  // namespace edgebert
