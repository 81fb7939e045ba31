#include "runtime/model/encoder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/kernels.h"
#include "runtime/model/tensor_names.h"

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
  float* scratch;
  size_t scratch_floats;
  float* ctx;
  static void Run(void* p, size_t head) {
    const AttentionTask& t = *static_cast<const AttentionTask*>(p);
    kernels::Attention(t.qkv, 3 * t.hidden, t.n, t.heads, t.head_dim, t.scale,
                       /*mask_add=*/nullptr, head, head + 1,
                       t.scratch + head * t.scratch_floats, t.ctx, t.hidden);
  }
};

Encoder::~Encoder() { std::free(arena_); }

StatusOr<std::unique_ptr<Encoder>> Encoder::Create(
    const ModelFile& file, size_t max_seq, GemmF32::Backend f32_backend) {
  const fb::EncoderConfig& c = *file.model().encoder();
  std::unique_ptr<Encoder> e(new Encoder());
  e->hidden_ = static_cast<size_t>(c.hidden_size());
  e->heads_ = static_cast<size_t>(c.num_heads());
  e->inter_ = static_cast<size_t>(c.intermediate_size());
  e->labels_ = static_cast<size_t>(file.model().head()->num_labels());
  e->eps_ = c.layer_norm_eps();
  if (max_seq < 3 ||
      max_seq > static_cast<size_t>(c.max_position_embeddings())) {
    return InvalidArgument("max_seq_len " + std::to_string(max_seq) +
                           " must be in [3, max_position_embeddings = " +
                           std::to_string(c.max_position_embeddings()) + "]");
  }
  e->max_seq_ = max_seq;
  if (c.activation() != fb::Activation::GeluErf) {
    return Unimplemented("model file '" + file.path() + "': activation " +
                         fb::EnumNameActivation(c.activation()) +
                         " is not supported yet (only erf GELU)");
  }
  const int64_t H = c.hidden_size(), I = c.intermediate_size();
  const int64_t L = static_cast<int64_t>(e->labels_);

  auto f32 = [&](const std::string& name, std::vector<int64_t> shape,
                 const float** out) -> Status {
    StatusOr<const TensorView*> t = file.Require(name, fb::DType::F32, shape);
    if (!t.ok()) return t.status();
    *out = t.value()->as<float>();
    return Status::Ok();
  };

  // Embeddings: each table F32, or I8 with quant.scales (one per row).
  {
    auto table = [&](const char* name, int64_t rows, const TensorView** view,
                     const float** scales) -> Status {
      const TensorView* t = file.Find(name);
      if (t == nullptr) {
        return FailedPrecondition("model file '" + file.path() + "': tensor '" +
                                  name + "' is missing");
      }
      const fb::DType dt = t->meta->dtype();
      StatusOr<const TensorView*> r = file.Require(
          name, dt == fb::DType::I8 ? dt : fb::DType::F32, {rows, H});
      if (!r.ok()) return r.status();
      *view = r.value();
      *scales = nullptr;
      if (dt != fb::DType::I8) return Status::Ok();
      const fb::QuantParams* q = t->meta->quant();
      if (q == nullptr || q->scales() == nullptr ||
          q->scales()->size() != static_cast<size_t>(rows)) {
        return FailedPrecondition(
            "model file '" + file.path() + "': tensor '" + name +
            "' is int8 but has no quant.scales with one entry per row (" +
            std::to_string(rows) + ", found " +
            std::to_string(q == nullptr || q->scales() == nullptr
                               ? 0
                               : q->scales()->size()) +
            ")");
      }
      *scales = q->scales()->data();
      return Status::Ok();
    };
    EB_RETURN_IF_ERROR(table(names::kWordEmbeddings, c.vocab_size(),
                             &e->emb_.word, &e->emb_.word_scales));
    EB_RETURN_IF_ERROR(table(names::kPositionEmbeddings,
                             c.max_position_embeddings(), &e->emb_.position,
                             &e->emb_.position_scales));
    EB_RETURN_IF_ERROR(table(names::kTokenTypeEmbeddings, c.type_vocab_size(),
                             &e->emb_.token_type, &e->emb_.token_type_scales));
    EB_RETURN_IF_ERROR(f32(names::kEmbeddingLnGamma, {H}, &e->emb_.ln_g));
    EB_RETURN_IF_ERROR(f32(names::kEmbeddingLnBeta, {H}, &e->emb_.ln_b));
  }
  // Layers.
  for (int i = 0; i < c.num_layers(); ++i) {
    Layer l;
    auto lin = [&](const char* w, const char* b, size_t k, size_t n,
                   Activation act, std::unique_ptr<Linear>* out) -> Status {
      StatusOr<std::unique_ptr<Linear>> r = CreateLinear(
          file, names::Layer(i, w), names::Layer(i, b), k, n, act, f32_backend);
      if (!r.ok()) return r.status();
      *out = std::move(r.value());
      return Status::Ok();
    };
    const size_t h = e->hidden_, in = e->inter_;
    EB_RETURN_IF_ERROR(lin(names::kQkvWeight, names::kQkvBias, h, 3 * h,
                           Activation::kNone, &l.qkv));
    EB_RETURN_IF_ERROR(lin(names::kAttnOutWeight, names::kAttnOutBias, h, h,
                           Activation::kNone, &l.attn_out));
    EB_RETURN_IF_ERROR(lin(names::kFfnInWeight, names::kFfnInBias, h, in,
                           Activation::kGeluErf, &l.ffn_in));
    EB_RETURN_IF_ERROR(lin(names::kFfnOutWeight, names::kFfnOutBias, in, h,
                           Activation::kNone, &l.ffn_out));
    EB_RETURN_IF_ERROR(
        f32(names::Layer(i, names::kAttnLnGamma), {H}, &l.attn_ln_g));
    EB_RETURN_IF_ERROR(
        f32(names::Layer(i, names::kAttnLnBeta), {H}, &l.attn_ln_b));
    EB_RETURN_IF_ERROR(
        f32(names::Layer(i, names::kFfnLnGamma), {H}, &l.ffn_ln_g));
    EB_RETURN_IF_ERROR(
        f32(names::Layer(i, names::kFfnLnBeta), {H}, &l.ffn_ln_b));
    e->layers_.push_back(std::move(l));
  }
  {
    // Quantized models run the f32 classifier on the Highway GEMM (unless a
    // backend was forced): it sums over k in order with fused MulAdd on every
    // FMA target, so logits stay bit-identical across CPUs (XNNPACK's order
    // depends on its micro-kernel). It is ~0.1% of the forward's work.
    bool quantized = e->emb_.word_scales != nullptr;
    for (const Layer& l : e->layers_) {
      for (const Linear* p :
           {l.qkv.get(), l.attn_out.get(), l.ffn_in.get(), l.ffn_out.get()}) {
        quantized = quantized || std::strncmp(p->kind(), "int8", 4) == 0;
      }
    }
    const GemmF32::Backend classifier_backend =
        quantized && f32_backend == GemmF32::Backend::kAuto
            ? GemmF32::Backend::kHighway
            : f32_backend;
    StatusOr<std::unique_ptr<Linear>> r = CreateLinear(
        file, names::kClassifierWeight, names::kClassifierBias, e->hidden_,
        e->labels_, Activation::kNone, classifier_backend);
    if (!r.ok()) return r.status();
    e->classifier_ = std::move(r.value());
  }
  (void)I;
  (void)L;

  // Plan the arena for max_seq tokens.
  const size_t S = max_seq, Hs = e->hidden_;
  e->attn_scratch_floats_ =
      AlignUp(kernels::AttentionScratchFloats(S) * sizeof(float)) /
      sizeof(float);
  size_t gemm_scratch = e->classifier_->ScratchBytes(S);
  for (const Layer& l : e->layers_) {
    for (const Linear* p :
         {l.qkv.get(), l.attn_out.get(), l.ffn_in.get(), l.ffn_out.get()}) {
      gemm_scratch = std::max(gemm_scratch, p->ScratchBytes(S));
    }
  }
  const size_t sizes[] = {
      S * Hs * sizeof(float),                               // x
      S * 3 * Hs * sizeof(float),                           // qkv
      S * Hs * sizeof(float),                               // ctx
      S * Hs * sizeof(float),                               // tmp
      S * e->inter_ * sizeof(float),                        // inter
      S * e->labels_ * sizeof(float),                       // logits
      e->heads_ * e->attn_scratch_floats_ * sizeof(float),  // attention
      gemm_scratch,                                         // gemm
  };
  size_t total = 0;
  for (size_t s : sizes) total += AlignUp(s);
  e->arena_bytes_ = total;
  e->arena_ = std::aligned_alloc(kAlign, std::max<size_t>(total, kAlign));
  if (e->arena_ == nullptr) {
    return ResourceExhausted("cannot allocate the " + std::to_string(total) +
                             "-byte activation arena");
  }
  std::memset(e->arena_, 0, total);
  uint8_t* p = static_cast<uint8_t*>(e->arena_);
  void* slots[8];
  for (int i = 0; i < 8; ++i) {
    slots[i] = p;
    p += AlignUp(sizes[i]);
  }
  e->x_ = static_cast<float*>(slots[0]);
  e->qkv_ = static_cast<float*>(slots[1]);
  e->ctx_ = static_cast<float*>(slots[2]);
  e->tmp_ = static_cast<float*>(slots[3]);
  e->inter_buf_ = static_cast<float*>(slots[4]);
  e->logits_ = static_cast<float*>(slots[5]);
  e->attn_scratch_ = static_cast<float*>(slots[6]);
  e->gemm_scratch_ = slots[7];
  return e;
}

size_t Encoder::owned_weight_bytes() const {
  size_t total = classifier_->owned_bytes();
  for (const Layer& l : layers_) {
    total += l.qkv->owned_bytes() + l.attn_out->owned_bytes() +
             l.ffn_in->owned_bytes() + l.ffn_out->owned_bytes();
  }
  return total;
}

std::string Encoder::gemm_kinds() const {
  std::vector<std::string> kinds;
  auto add = [&](const Linear* l) {
    if (std::find(kinds.begin(), kinds.end(), l->kind()) == kinds.end()) {
      kinds.push_back(l->kind());
    }
  };
  for (const Layer& l : layers_) {
    add(l.qkv.get());
    add(l.attn_out.get());
    add(l.ffn_in.get());
    add(l.ffn_out.get());
  }
  add(classifier_.get());
  std::string s;
  for (const std::string& k : kinds) s += (s.empty() ? "" : ",") + k;
  return s;
}

void Encoder::GatherEmbeddings(const int32_t* ids, size_t n, float* x) const {
  const size_t H = hidden_;
  // Single-segment input: token type id 0, row 0 of the table; an int8 row
  // is dequantized on the fly (scale * q, codec.h) in the same f32 add.
  const float* type0 = emb_.token_type_scales == nullptr
                           ? emb_.token_type->as<float>()
                           : nullptr;
  const int8_t* type0_q = emb_.token_type_scales != nullptr
                              ? emb_.token_type->as<int8_t>()
                              : nullptr;
  const float type0_scale =
      emb_.token_type_scales != nullptr ? emb_.token_type_scales[0] : 0.0f;
  auto add_type0 = [&](float* out) {
    if (type0 != nullptr) {
      for (size_t j = 0; j < H; ++j) out[j] += type0[j];
    } else {
      for (size_t j = 0; j < H; ++j) {
        out[j] += type0_scale * static_cast<float>(type0_q[j]);
      }
    }
  };
  if (emb_.word_scales != nullptr) {
    const int8_t* word = emb_.word->as<int8_t>();
    for (size_t r = 0; r < n; ++r) {
      const size_t id = static_cast<size_t>(ids[r]);
      float* out = x + r * H;
      kernels::DequantizeRowI8(word + id * H, H, emb_.word_scales[id], out);
      add_type0(out);
    }
    return;
  }
  const float* word = emb_.word->as<float>();
  for (size_t r = 0; r < n; ++r) {
    const float* w = word + static_cast<size_t>(ids[r]) * H;
    float* out = x + r * H;
    std::memcpy(out, w, H * sizeof(float));
    add_type0(out);
  }
}

void Encoder::RunLinear(Linear& l, int layer, const char* name, const float* x,
                        size_t n, float* y, ThreadPool* pool) {
  l.Run(x, n, y, gemm_scratch_, pool);
  if (observer_) observer_(layer, name, x, y, n, l.k(), l.n());
}

const float* Encoder::Forward(const int32_t* ids, size_t n, ThreadPool* pool) {
  EB_CHECK(n >= 1 && n <= max_seq_);
  const size_t H = hidden_;
  GatherEmbeddings(ids, n, x_);
  // x = LN(word + type + position); positions 0..n-1 are contiguous rows,
  // dequantized into tmp_ (free until attn_out) when the table is int8.
  const float* position = emb_.position->as<float>();
  if (emb_.position_scales != nullptr) {
    const int8_t* pq = emb_.position->as<int8_t>();
    for (size_t r = 0; r < n; ++r) {
      kernels::DequantizeRowI8(pq + r * H, H, emb_.position_scales[r],
                               tmp_ + r * H);
    }
    position = tmp_;
  }
  kernels::AddLayerNorm(x_, position, emb_.ln_g, emb_.ln_b, eps_, n, H, x_);
  const size_t head_dim = H / heads_;
  AttentionTask task{qkv_,
                     n,
                     heads_,
                     head_dim,
                     H,
                     1.0f / std::sqrt(static_cast<float>(head_dim)),
                     attn_scratch_,
                     attn_scratch_floats_,
                     ctx_};
  for (size_t li = 0; li < layers_.size(); ++li) {
    Layer& l = layers_[li];
    const int layer = static_cast<int>(li);
    RunLinear(*l.qkv, layer, "qkv", x_, n, qkv_, pool);
    ParallelFor(pool, &AttentionTask::Run, &task, heads_);
    RunLinear(*l.attn_out, layer, "attn_out", ctx_, n, tmp_, pool);
    kernels::AddLayerNorm(tmp_, x_, l.attn_ln_g, l.attn_ln_b, eps_, n, H, x_);
    RunLinear(*l.ffn_in, layer, "ffn_in", x_, n, inter_buf_, pool);
    RunLinear(*l.ffn_out, layer, "ffn_out", inter_buf_, n, tmp_, pool);
    kernels::AddLayerNorm(tmp_, x_, l.ffn_ln_g, l.ffn_ln_b, eps_, n, H, x_);
  }
  RunLinear(*classifier_, -1, "classifier", x_, n, logits_, pool);
  return logits_;
}

}  // namespace edgebert
