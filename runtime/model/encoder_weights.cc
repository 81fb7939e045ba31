#include "runtime/model/encoder_weights.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "runtime/model/layer_sharing.h"
#include "runtime/model/tensor_names.h"

namespace edgebert {
namespace {

Status RequireF32(const ModelFile& file, const std::string& name,
                  std::vector<int64_t> shape, const float** out) {
  StatusOr<const TensorView*> t =
      file.Require(name, fb::DType::F32, std::move(shape));
  if (!t.ok()) return t.status();
  *out = t.value()->as<float>();
  return Status::Ok();
}

// An embedding table [rows, H]: F32, or I8 with quant.scales (one per row).
Status LoadTable(const ModelFile& file, const char* name, int64_t rows,
                 int64_t H, const TensorView** view, const float** scales) {
  const TensorView* t = file.Find(name);
  if (t == nullptr) {
    return FailedPrecondition("model file '" + file.path() + "': tensor '" +
                              name + "' is missing");
  }
  const fb::DType dt = t->meta->dtype();
  StatusOr<const TensorView*> r =
      file.Require(name, dt == fb::DType::I8 ? dt : fb::DType::F32, {rows, H});
  if (!r.ok()) return r.status();
  *view = r.value();
  *scales = nullptr;
  if (dt != fb::DType::I8) return Status::Ok();
  const fb::QuantParams* q = t->meta->quant();
  const size_t found =
      q == nullptr || q->scales() == nullptr ? 0 : q->scales()->size();
  if (found != static_cast<size_t>(rows)) {
    return FailedPrecondition(
        "model file '" + file.path() + "': tensor '" + name +
        "' is int8 but has no quant.scales with one entry per row (" +
        std::to_string(rows) + ", found " + std::to_string(found) + ")");
  }
  *scales = q->scales()->data();
  return Status::Ok();
}

// The tables, the LayerNorm and (embedding_size > 0) the E -> H mapping
// GEMM, with the widths of Embeddings.
Status LoadEmbeddings(const ModelFile& file, const fb::EncoderConfig& c,
                      GemmF32::Backend backend, EncoderWeights::Embeddings* e) {
  const int64_t H = c.hidden_size();
  const int64_t E = c.embedding_size() > 0 ? c.embedding_size() : H;
  e->word_only = c.embedding_size() > 0 &&
                 c.embedding_mapping() == fb::EmbeddingMapping::WordOnly;
  const int64_t D = e->word_only ? H : E;
  e->word_width = static_cast<size_t>(E);
  e->width = static_cast<size_t>(D);
  EB_RETURN_IF_ERROR(LoadTable(file, names::kWordEmbeddings, c.vocab_size(), E,
                               &e->word, &e->word_scales));
  EB_RETURN_IF_ERROR(LoadTable(file, names::kPositionEmbeddings,
                               c.max_position_embeddings(), D, &e->position,
                               &e->position_scales));
  EB_RETURN_IF_ERROR(LoadTable(file, names::kTokenTypeEmbeddings,
                               c.type_vocab_size(), D, &e->token_type,
                               &e->token_type_scales));
  EB_RETURN_IF_ERROR(RequireF32(file, names::kEmbeddingLnGamma, {D}, &e->ln_g));
  EB_RETURN_IF_ERROR(RequireF32(file, names::kEmbeddingLnBeta, {D}, &e->ln_b));
  if (c.embedding_size() == 0) return Status::Ok();
  StatusOr<std::unique_ptr<Linear>> r =
      CreateLinear(file, names::kEmbeddingMapWeight, names::kEmbeddingMapBias,
                   static_cast<size_t>(E), static_cast<size_t>(H),
                   Activation::kNone, backend);
  if (!r.ok()) return r.status();
  e->mapping = std::move(r.value());
  return Status::Ok();
}

// The feed-forward activation the file's config names.
StatusOr<Activation> FfnActivation(const ModelFile& file) {
  const fb::Activation a = file.model().encoder()->activation();
  switch (a) {
    case fb::Activation::GeluErf:
      return Activation::kGeluErf;
    case fb::Activation::GeluTanh:
      return Activation::kGeluTanh;
    case fb::Activation::Relu:
      return Activation::kRelu;
  }
  return Unimplemented("model file '" + file.path() + "': activation code " +
                       std::to_string(static_cast<int>(a)) +
                       " is not one of GeluErf, GeluTanh, Relu");
}

Status LoadLayer(const ModelFile& file, int i, size_t h, size_t inter,
                 Activation ffn_act, GemmF32::Backend backend,
                 EncoderWeights::Layer* l) {
  auto lin = [&](const char* w, const char* b, size_t k, size_t n,
                 Activation act, std::unique_ptr<Linear>* out) -> Status {
    StatusOr<std::unique_ptr<Linear>> r = CreateLinear(
        file, names::Layer(i, w), names::Layer(i, b), k, n, act, backend);
    if (!r.ok()) return r.status();
    *out = std::move(r.value());
    return Status::Ok();
  };
  EB_RETURN_IF_ERROR(lin(names::kQkvWeight, names::kQkvBias, h, 3 * h,
                         Activation::kNone, &l->qkv));
  EB_RETURN_IF_ERROR(lin(names::kAttnOutWeight, names::kAttnOutBias, h, h,
                         Activation::kNone, &l->attn_out));
  EB_RETURN_IF_ERROR(lin(names::kFfnInWeight, names::kFfnInBias, h, inter,
                         ffn_act, &l->ffn_in));
  EB_RETURN_IF_ERROR(lin(names::kFfnOutWeight, names::kFfnOutBias, inter, h,
                         Activation::kNone, &l->ffn_out));
  const int64_t H = static_cast<int64_t>(h);
  EB_RETURN_IF_ERROR(RequireF32(file, names::Layer(i, names::kAttnLnGamma), {H},
                                &l->attn_ln_g));
  EB_RETURN_IF_ERROR(RequireF32(file, names::Layer(i, names::kAttnLnBeta), {H},
                                &l->attn_ln_b));
  EB_RETURN_IF_ERROR(
      RequireF32(file, names::Layer(i, names::kFfnLnGamma), {H}, &l->ffn_ln_g));
  return RequireF32(file, names::Layer(i, names::kFfnLnBeta), {H},
                    &l->ffn_ln_b);
}

// Every encoder GEMM once: the E -> H mapping, then each weight set's.
template <class F>
void ForEachLayerLinear(const EncoderWeights& w, F&& f) {
  if (w.emb.mapping) f(*w.emb.mapping);
  for (const EncoderWeights::Layer& l : w.sets) {
    for (const Linear* p :
         {l.qkv.get(), l.attn_out.get(), l.ffn_in.get(), l.ffn_out.get()}) {
      f(*p);
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<EncoderWeights>> EncoderWeights::Create(
    const ModelFile& file, GemmF32::Backend f32_backend) {
  const fb::EncoderConfig& c = *file.model().encoder();
  StatusOr<Activation> ffn_act = FfnActivation(file);
  if (!ffn_act.ok()) return ffn_act.status();
  std::unique_ptr<EncoderWeights> w(new EncoderWeights());
  w->hidden = static_cast<size_t>(c.hidden_size());
  w->heads = static_cast<size_t>(c.num_heads());
  w->inter = static_cast<size_t>(c.intermediate_size());
  w->labels = static_cast<size_t>(file.model().head()->num_labels());
  w->max_positions = static_cast<size_t>(c.max_position_embeddings());
  w->eps = c.layer_norm_eps();
  w->int8_attention = c.attention() == fb::AttentionPrecision::Int8;
  EB_RETURN_IF_ERROR(LoadEmbeddings(file, c, f32_backend, &w->emb));
  w->layer_sets = LayerWeightSets(c);
  for (int i = 0; i < NumWeightSets(w->layer_sets); ++i) {
    Layer l;
    EB_RETURN_IF_ERROR(LoadLayer(file, i, w->hidden, w->inter, ffn_act.value(),
                                 f32_backend, &l));
    w->sets.push_back(std::move(l));
  }
  // A BiLstmCrf head's classifier reads the LSTM output (bilstm_head.h).
  if (file.model().head()->kind() == fb::HeadKind::BiLstmCrf) return w;
  // Quantized models run the f32 classifier on the Highway GEMM (unless a
  // backend was forced): it sums over k in order with fused MulAdd on every
  // FMA target, so logits stay bit-identical across CPUs (XNNPACK's order
  // depends on its micro-kernel). It is ~0.1% of the forward's work.
  bool quantized = w->emb.word_scales != nullptr;
  ForEachLayerLinear(*w, [&](const Linear& l) {
    quantized = quantized || std::strncmp(l.kind(), "int8", 4) == 0;
  });
  const GemmF32::Backend classifier_backend =
      quantized && f32_backend == GemmF32::Backend::kAuto
          ? GemmF32::Backend::kHighway
          : f32_backend;
  StatusOr<std::unique_ptr<Linear>> r =
      CreateLinear(file, names::kClassifierWeight, names::kClassifierBias,
                   w->hidden, w->labels, Activation::kNone, classifier_backend);
  if (!r.ok()) return r.status();
  w->classifier = std::move(r.value());
  return w;
}

size_t EncoderWeights::packed_bytes() const {
  size_t total = classifier ? classifier->owned_bytes() : 0;
  ForEachLayerLinear(*this, [&](const Linear& l) { total += l.owned_bytes(); });
  return total;
}

size_t EncoderWeights::GemmScratchBytes(size_t max_m) const {
  size_t bytes = classifier ? classifier->ScratchBytes(max_m) : 0;
  ForEachLayerLinear(*this, [&](const Linear& l) {
    bytes = std::max(bytes, l.ScratchBytes(max_m));
  });
  return bytes;
}

std::string EncoderWeights::gemm_kinds() const {
  std::vector<std::string> kinds;
  auto add = [&](const Linear& l) {
    if (std::find(kinds.begin(), kinds.end(), l.kind()) == kinds.end()) {
      kinds.push_back(l.kind());
    }
  };
  ForEachLayerLinear(*this, add);
  if (classifier) add(*classifier);
  std::string s;
  for (const std::string& k : kinds) s += (s.empty() ? "" : ",") + k;
  return s;
}

}  // namespace edgebert
