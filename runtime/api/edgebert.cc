#include "runtime/api/edgebert.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "runtime/api/internal.h"
#include "runtime/head/crf.h"
#include "runtime/kernels/activation.h"
#include "runtime/kernels/gemm_i8.h"
#include "runtime/kernels/kernels.h"
#include "runtime/model/bilstm_head.h"
#include "runtime/model/encoder.h"
#include "runtime/model/encoder_weights.h"
#include "runtime/model/layer_sharing.h"
#include "runtime/model/model_file.h"
#include "runtime/model/op_profile.h"
#include "runtime/model/tensor_names.h"
#include "runtime/ops/gemm_f32.h"
#include "runtime/tokenizer/tokenizer.h"

namespace edgebert {
namespace {

// The file's tokenizer parameters (vocab and unk piece aside).
TokenizerOptions TokenizerOptionsOf(const fb::TokenizerConfig& t) {
  TokenizerOptions o;
  o.clean_text = t.clean_text();
  o.tokenize_chinese_chars = t.tokenize_chinese_chars();
  o.strip_accents = t.strip_accents();
  o.lowercase = t.do_lower_case();
  o.max_input_chars_per_word = t.max_input_chars_per_word();
  if (t.continuing_subword_prefix()) {
    o.continuing_prefix = t.continuing_subword_prefix()->str();
  }
  return o;
}

// Tokenizer parameter bounds (runtime/tokenizer/tokenizer.h), checked at
// load so that a crafted file fails there, not in the first Tag().
Status ValidateTokenizer(const ModelFile& f) {
  const fb::TokenizerConfig& t = *f.model().tokenizer();
  Status s = ValidateTokenizerOptions(TokenizerOptionsOf(t));
  for (flatbuffers::uoffset_t i = 0; s.ok() && i < t.vocab()->size(); ++i) {
    s = ValidateVocabPiece(t.vocab()->Get(i)->string_view(), i);
  }
  if (s.ok()) return s;
  return Status(s.code(), "model file '" + f.path() + "': " + s.message());
}

}  // namespace

// ---------------------------------------------------------------- Model ---

// The encoder weights of each TaggerOptions::F32Gemm choice, built by the
// first Tagger::Create that needs them and kept for the Model's lifetime.
struct Model::Packed {
  std::mutex mu;
  std::unique_ptr<EncoderWeights> by_f32_gemm[3];  // indexed by F32Gemm.
};

Model::Model() : packed_(std::make_unique<Packed>()) {}
Model::~Model() = default;

size_t Model::packed_weight_bytes() const {
  std::lock_guard<std::mutex> lock(packed_->mu);
  size_t total = 0;
  for (const auto& w : packed_->by_f32_gemm) {
    if (w) total += w->packed_bytes();
  }
  return total;
}

StatusOr<std::unique_ptr<Model>> Model::Load(const std::string& path,
                                             bool verify_checksum) {
  LoadOptions o;
  o.verify_data = verify_checksum;
  return Load(path, o);
}

StatusOr<std::unique_ptr<Model>> Model::Load(const std::string& path,
                                             const LoadOptions& options) {
  OpenOptions open;
  open.use_mmap = options.use_mmap;
  StatusOr<std::unique_ptr<ModelFile>> file = ModelFile::Open(path, open);
  if (!file.ok()) return file.status();
  return FromFile(std::move(file.value()), options.verify_data);
}

StatusOr<std::unique_ptr<Model>> internal::Access::LoadFromBytes(
    const uint8_t* data, size_t size, const std::string& name) {
  StatusOr<std::unique_ptr<ModelFile>> file =
      ModelFile::FromBytes(data, size, name);
  if (!file.ok()) return file.status();
  return Model::FromFile(std::move(file.value()), /*verify_data=*/false);
}

StatusOr<std::unique_ptr<Model>> Model::FromFile(
    std::unique_ptr<ModelFile> file, bool verify_data) {
  std::unique_ptr<Model> m(new Model());
  m->file_ = std::move(file);
  if (verify_data) {
    EB_RETURN_IF_ERROR(m->file_->VerifyChecksum());
    EB_RETURN_IF_ERROR(m->file_->VerifyWeightSums());
  }
  EB_RETURN_IF_ERROR(ValidateTokenizer(*m->file_));
  const fb::Model& fm = m->file_->model();
  const fb::EncoderConfig& e = *fm.encoder();
  ModelConfig& c = m->config_;
  c.num_layers = e.num_layers();
  c.hidden_size = e.hidden_size();
  c.num_heads = e.num_heads();
  c.intermediate_size = e.intermediate_size();
  c.max_position_embeddings = e.max_position_embeddings();
  c.type_vocab_size = e.type_vocab_size();
  c.vocab_size = e.vocab_size();
  c.max_seq_len = e.max_seq_len();
  c.layer_norm_eps = e.layer_norm_eps();
  c.embedding_size = e.embedding_size();
  c.layer_weights = LayerWeightSets(e);
  c.attention = e.attention() == fb::AttentionPrecision::Int8 ? "int8" : "f32";
  switch (e.activation()) {
    case fb::Activation::GeluErf:
      c.activation = "gelu";
      break;
    case fb::Activation::GeluTanh:
      c.activation = "gelu_tanh";
      break;
    case fb::Activation::Relu:
      c.activation = "relu";
      break;
  }
  switch (fm.head()->kind()) {
    case fb::HeadKind::Linear:
      c.head = "linear";
      break;
    case fb::HeadKind::Crf:
      c.head = "crf";
      break;
    case fb::HeadKind::BiLstmCrf:
      c.head = "bilstm_crf";
      break;
  }
  c.tag_scheme = fb::EnumNameTagScheme(fm.tag_scheme());
  c.precision = m->file_->Metadata(names::kMetaPrecision);
  for (const auto* s : *fm.labels()) c.labels.push_back(s->str());
  return m;
}

Status Model::VerifyChecksum() const { return file_->VerifyChecksum(); }

Status Model::FileStatus() const { return file_->FileStatus(); }

// --------------------------------------------------------------- Tagger ---

struct Tagger::Impl {
  const Model* model = nullptr;
  ThreadPool* pool = nullptr;
  std::unique_ptr<Tokenizer> tokenizer;
  const EncoderWeights* weights = nullptr;  // owned by the model.
  std::unique_ptr<Encoder> encoder;
  std::vector<LabelInfo> label_info;
  int32_t cls_id = 0, sep_id = 0;
  size_t num_labels = 0;
  // CRF head (empty for linear); start / end null in the TF layout.
  const float *crf_trans = nullptr, *crf_start = nullptr, *crf_end = nullptr;
  bool crf_window = false;  // Viterbi per window, [CLS] .. [SEP] included.
  bool logits_tanh = false;
  std::unique_ptr<BiLstmHead> bilstm;
  size_t padded_window = 0;  // > 0: BiLSTM models run padded to it.
  // Per-call buffers, reused across calls (grow only).
  std::vector<Token> tokens;
  std::vector<int32_t> ids, labels, padded_ids, window_path;
  std::vector<float> probs, token_logits, crf_scratch, tanh_logits;
  std::vector<uint32_t> owner;

  // Emissions [n, num_labels] of ids (incl. [CLS]/[SEP]), n <= max_seq_len.
  const float* Emissions(const int32_t* ids, size_t n);
  // CRF parameters and the BiLSTM head (after the encoder is created).
  Status BindHead(const ModelFile& f, GemmF32::Backend backend, size_t rows);
};

const float* Tagger::Impl::Emissions(const int32_t* in, size_t n) {
  if (bilstm == nullptr) {
    const float* logits = encoder->Forward(in, n, pool);
    if (!logits_tanh) return logits;
    ScopedOpTimer timer(encoder->profile(), OpPart::kHead);
    kernels::Tanh(logits, n * num_labels, tanh_logits.data());
    return tanh_logits.data();
  }
  size_t t = n;
  if (padded_window > n) {
    // The TF pipelines pad input_ids with 0 and input_mask with 0.
    std::copy(in, in + n, padded_ids.begin());
    std::fill(padded_ids.begin() + n, padded_ids.end(), 0);
    in = padded_ids.data();
    t = padded_window;
  }
  const float* x = encoder->Encode(in, t, n, pool);
  ScopedOpTimer timer(encoder->profile(), OpPart::kHead);
  return bilstm->Forward(x, t, pool);
}

Tagger::~Tagger() = default;

namespace {

StatusOr<std::unique_ptr<Tokenizer>> MakeTokenizer(const ModelFile& f) {
  const fb::TokenizerConfig& t = *f.model().tokenizer();
  std::vector<std::string> vocab;
  vocab.reserve(t.vocab()->size());
  for (const auto* s : *t.vocab()) vocab.push_back(s->str());
  TokenizerOptions o = TokenizerOptionsOf(t);
  o.unk_token = vocab[static_cast<size_t>(t.unk_id())];
  return Tokenizer::Create(std::move(vocab), o);
}

// The window a BiLstmCrf model runs padded to (0: none / unpadded).
uint32_t PaddedWindow(const Model& model, const TaggerOptions& o) {
  const fb::Head& head = *internal::File(model).model().head();
  if (head.kind() != fb::HeadKind::BiLstmCrf || o.lstm_unpadded) return 0;
  return static_cast<uint32_t>(head.padded_window());
}

Status ResolveOptions(const Model& model, TaggerOptions* o) {
  const int max_seq = model.config().max_seq_len;
  const uint32_t padded = PaddedWindow(model, *o);
  if (o->max_seq_len == 0) {
    o->max_seq_len = static_cast<uint32_t>(max_seq);
    if (padded > 0) o->max_seq_len = std::min(o->max_seq_len, padded);
  }
  if (padded > 0 && o->max_seq_len > padded) {
    return InvalidArgument(
        "max_seq_len " + std::to_string(o->max_seq_len) +
        " exceeds the BiLSTM head's training window padded_window = " +
        std::to_string(padded) + " (or set lstm_unpadded)");
  }
  if (o->max_seq_len < 3 ||
      o->max_seq_len >
          static_cast<uint32_t>(model.config().max_position_embeddings)) {
    return InvalidArgument(
        "max_seq_len " + std::to_string(o->max_seq_len) +
        " must be in [3, max_position_embeddings = " +
        std::to_string(model.config().max_position_embeddings) + "]");
  }
  const uint32_t inner = o->max_seq_len - 2;
  if (o->stride == 0) o->stride = std::max<uint32_t>(1, inner / 2);
  if (o->stride > inner) {
    return InvalidArgument(
        "stride " + std::to_string(o->stride) +
        " must be in [1, max_seq_len - 2 = " + std::to_string(inner) + "]");
  }
  if (o->max_text_bytes == 0) {
    return InvalidArgument("max_text_bytes must be > 0");
  }
  return Status::Ok();
}

GemmF32::Backend ToBackend(TaggerOptions::F32Gemm f32_gemm) {
  switch (f32_gemm) {
    case TaggerOptions::F32Gemm::kXnnpack:
      return GemmF32::Backend::kXnnpack;
    case TaggerOptions::F32Gemm::kHighway:
      return GemmF32::Backend::kHighway;
    default:
      return GemmF32::Backend::kAuto;
  }
}

}  // namespace

// The model file is already validated (runtime/model/head_config.h).
Status Tagger::Impl::BindHead(const ModelFile& f, GemmF32::Backend backend,
                              size_t rows) {
  const fb::Head& head = *f.model().head();
  logits_tanh = head.logits_tanh();
  num_labels = static_cast<size_t>(head.num_labels());
  tanh_logits.resize(logits_tanh ? rows * num_labels : 0);
  if (head.kind() == fb::HeadKind::Linear) return Status::Ok();
  crf_trans = head.crf_transitions()->data();
  if (head.crf_start() != nullptr && head.crf_start()->size() > 0) {
    crf_start = head.crf_start()->data();
    crf_end = head.crf_end()->data();
  }
  crf_window = head.crf_span() == fb::CrfSpan::Window;
  if (head.kind() != fb::HeadKind::BiLstmCrf) return Status::Ok();
  // Quantized encoders run the head's f32 GEMMs on the Highway GEMM, like
  // their classifier (bit-identical across CPUs; see encoder.cc).
  if (backend == GemmF32::Backend::kAuto &&
      weights->gemm_kinds().find("int8") != std::string::npos) {
    backend = GemmF32::Backend::kHighway;
  }
  StatusOr<std::unique_ptr<BiLstmHead>> h =
      BiLstmHead::Create(f, encoder->hidden_size(), rows, backend);
  if (!h.ok()) return h.status();
  bilstm = std::move(h.value());
  return Status::Ok();
}

StatusOr<const EncoderWeights*> Tagger::SharedWeights(
    const Model& model, TaggerOptions::F32Gemm f32_gemm) {
  Model::Packed& packed = *model.packed_;
  std::lock_guard<std::mutex> lock(packed.mu);
  std::unique_ptr<EncoderWeights>& slot =
      packed.by_f32_gemm[static_cast<int>(f32_gemm)];
  if (!slot) {
    StatusOr<std::unique_ptr<EncoderWeights>> w =
        EncoderWeights::Create(*model.file_, ToBackend(f32_gemm));
    if (!w.ok()) return w.status();
    slot = std::move(w.value());
  }
  return slot.get();
}

StatusOr<std::unique_ptr<Tagger>> Tagger::Create(const Model& model,
                                                 const TaggerOptions& options,
                                                 ThreadPool* pool) {
  // A damaged mapping reads as zeros: its FlatBuffer must not be walked.
  EB_RETURN_IF_ERROR(model.FileStatus());
  std::unique_ptr<Tagger> t(new Tagger());
  t->options_ = options;
  EB_RETURN_IF_ERROR(ResolveOptions(model, &t->options_));
  EB_RETURN_IF_ERROR(InitGemmBackend());
  auto impl = std::make_unique<Impl>();
  impl->model = &model;
  impl->pool = pool;
  const ModelFile& f = *model.file_;
  StatusOr<std::unique_ptr<Tokenizer>> tok = MakeTokenizer(f);
  if (!tok.ok()) return tok.status();
  impl->tokenizer = std::move(tok.value());
  const GemmF32::Backend backend = ToBackend(options.f32_gemm);
  impl->padded_window = PaddedWindow(model, t->options_);
  const size_t rows =
      std::max<size_t>(t->options_.max_seq_len, impl->padded_window);
  StatusOr<const EncoderWeights*> weights =
      SharedWeights(model, options.f32_gemm);
  if (!weights.ok()) return weights.status();
  impl->weights = weights.value();
  StatusOr<std::unique_ptr<Encoder>> enc =
      Encoder::Create(*impl->weights, rows);
  if (!enc.ok()) return enc.status();
  impl->encoder = std::move(enc.value());
  EB_RETURN_IF_ERROR(impl->BindHead(f, backend, rows));
  for (const std::string& l : model.config().labels) {
    impl->label_info.push_back(ParseLabel(l));
  }
  impl->num_labels = model.config().labels.size();
  impl->cls_id = f.model().tokenizer()->cls_id();
  impl->sep_id = f.model().tokenizer()->sep_id();
  impl->ids.reserve(t->options_.max_seq_len);
  impl->padded_ids.resize(impl->padded_window);
  impl->window_path.resize(rows);
  t->impl_ = std::move(impl);
  return t;
}

StatusOr<const float*> Tagger::Logits(const int32_t* ids, size_t n) {
  const size_t vocab = static_cast<size_t>(impl_->model->config().vocab_size);
  if (n == 0 || n > options_.max_seq_len) {
    return InvalidArgument("sequence length " + std::to_string(n) +
                           " must be in [1, max_seq_len = " +
                           std::to_string(options_.max_seq_len) + "]");
  }
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= vocab) {
      return InvalidArgument(
          "token id " + std::to_string(ids[i]) + " at position " +
          std::to_string(i) +
          " is outside [0, vocab_size = " + std::to_string(vocab) + ")");
    }
  }
  EB_RETURN_IF_ERROR(impl_->model->FileStatus());
  const float* logits = impl_->Emissions(ids, n);
  EB_RETURN_IF_ERROR(impl_->model->FileStatus());
  return logits;
}

Status Tagger::Tag(std::string_view text, TagResult* result, bool want_tokens) {
  result->entities.clear();
  result->tokens.clear();
  Impl& m = *impl_;
  EB_RETURN_IF_ERROR(m.model->FileStatus());
  if (text.size() > options_.max_text_bytes) {
    return InvalidArgument("text is " + std::to_string(text.size()) +
                           " bytes, longer than max_text_bytes = " +
                           std::to_string(options_.max_text_bytes));
  }
  EB_RETURN_IF_ERROR(m.tokenizer->Tokenize(text, &m.tokens));
  const uint32_t n = static_cast<uint32_t>(m.tokens.size());
  if (n == 0) return Status::Ok();
  const size_t L = m.num_labels;
  const std::vector<Window> windows =
      PlanWindows(n, options_.max_seq_len - 2, options_.stride);
  m.owner = AssignTokensToWindows(n, windows);
  m.token_logits.resize(static_cast<size_t>(n) * L);
  for (uint32_t w = 0; w < windows.size(); ++w) {
    const Window win = windows[w];
    bool used = false;
    for (uint32_t i = win.begin; i < win.end && !used; ++i) {
      used = m.owner[i] == w;
    }
    if (!used) continue;
    m.ids.clear();
    m.ids.push_back(m.cls_id);
    for (uint32_t i = win.begin; i < win.end; ++i) {
      m.ids.push_back(m.tokens[i].id);
    }
    m.ids.push_back(m.sep_id);
    const float* logits = m.Emissions(m.ids.data(), m.ids.size());
    if (m.crf_window) {
      // tf.contrib.crf.crf_decode over [CLS] ... [SEP] of this window.
      m.labels.resize(n);
      m.crf_scratch.resize(crf::ScratchFloats(m.ids.size(), L));
      crf::Viterbi(logits, m.ids.size(), L, m.crf_trans, m.crf_start, m.crf_end,
                   m.crf_scratch.data(), m.window_path.data());
      for (uint32_t i = win.begin; i < win.end; ++i) {
        if (m.owner[i] == w) m.labels[i] = m.window_path[1 + i - win.begin];
      }
    }
    for (uint32_t i = win.begin; i < win.end; ++i) {
      if (m.owner[i] != w) continue;
      const float* row = logits + (1 + i - win.begin) * L;  // skip [CLS]
      std::copy(row, row + L, m.token_logits.begin() + size_t{i} * L);
    }
  }
  EB_RETURN_IF_ERROR(m.model->FileStatus());
  // Labels and their probabilities.
  m.labels.resize(n);
  m.probs.resize(n);
  if (m.crf_trans != nullptr && !m.crf_window) {
    m.crf_scratch.resize(crf::ScratchFloats(n, static_cast<uint32_t>(L)));
    crf::Viterbi(m.token_logits.data(), n, L, m.crf_trans, m.crf_start,
                 m.crf_end, m.crf_scratch.data(), m.labels.data());
  }
  for (uint32_t i = 0; i < n; ++i) {
    const float* row = m.token_logits.data() + size_t{i} * L;
    size_t best = 0;
    for (size_t j = 1; j < L; ++j) {
      if (row[j] > row[best]) best = j;
    }
    if (m.crf_trans != nullptr) best = static_cast<size_t>(m.labels[i]);
    const float mx = *std::max_element(row, row + L);
    double sum = 0;
    for (size_t j = 0; j < L; ++j) sum += std::exp(double{row[j]} - mx);
    m.labels[i] = static_cast<int32_t>(best);
    m.probs[i] = static_cast<float>(std::exp(double{row[best]} - mx) / sum);
  }
  result->entities =
      DecodeEntities(text, m.tokens, m.labels, m.probs, m.label_info);
  if (want_tokens) {
    result->tokens.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const Token& tk = m.tokens[i];
      const float* row = m.token_logits.data() + size_t{i} * L;
      result->tokens.push_back(
          TokenResult{tk.id, m.tokenizer->IdToToken(tk.id), tk.start, tk.end,
                      tk.start_byte, tk.end_byte, tk.word, tk.continuation,
                      m.labels[i], std::vector<float>(row, row + L)});
    }
  }
  return Status::Ok();
}

std::vector<std::string> Tagger::CharTags(const std::vector<std::string>& chars,
                                          const TagResult& result) const {
  std::vector<Token> tokens;
  std::vector<int32_t> labels;
  tokens.reserve(result.tokens.size());
  labels.reserve(result.tokens.size());
  for (const TokenResult& t : result.tokens) {
    tokens.push_back(Token{t.id, t.start, t.end, t.start_byte, t.end_byte,
                           t.word, t.continuation});
    labels.push_back(t.label);
  }
  return CharTagsFromWordLabels(chars, tokens, labels, impl_->label_info);
}

void internal::Access::SetOpProfile(Tagger* tagger, OpProfile* profile) {
  tagger->impl_->encoder->SetProfile(profile);
}

void internal::Access::SetGemmObserver(Tagger* tagger, GemmObserver observer) {
  Encoder& encoder = *tagger->impl_->encoder;
  if (!observer) {
    encoder.SetObserver(nullptr);
    return;
  }
  encoder.SetObserver([obs = std::move(observer)](
                          int layer, const char* gemm, const float* x,
                          const float* y, size_t rows, size_t k, size_t n) {
    obs(GemmObservation{layer, gemm, x, y, rows, k, n});
  });
}

MemoryPlan Tagger::memory() const {
  const BiLstmHead* h = impl_->bilstm.get();
  return MemoryPlan{
      impl_->encoder->arena_bytes() + (h ? h->buffer_bytes() : 0),
      impl_->weights->packed_bytes() + (h ? h->owned_weight_bytes() : 0),
      impl_->model->file_->file_bytes()};
}

StatusOr<MemoryPlan> Tagger::PlanMemory(const Model& model,
                                        const TaggerOptions& options) {
  StatusOr<std::unique_ptr<Tagger>> t = Create(model, options, nullptr);
  if (!t.ok()) return t.status();
  return t.value()->memory();
}

std::string Tagger::BackendInfo() const {
  std::string info = std::string("kernels=") + kernels::ActiveTargetName() +
                     " gemm=" + impl_->weights->gemm_kinds();
  if (info.find("int8") != std::string::npos) {
    info += std::string(" int8_kernel=") + kernels::GemmI8KernelName();
  }
  return info;
}

}  // namespace edgebert
