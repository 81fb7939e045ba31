// edgebert public API: load an .ebm model, tag UTF-8 text, get entities.
//
//   auto model = edgebert::Model::Load("model.ebm");        // mmap + verify
//   auto pool = edgebert::ThreadPool::Create(0);           // yours; 0 = CPUs
//   auto tagger =
//       edgebert::Tagger::Create(*model.value(), {}, pool.value().get());
//   edgebert::TagResult r;
//   edgebert::Status s = tagger.value()->Tag("高勇：男，中国国籍", &r);
//
// Phases: Load (map and validate the file once) -> Tagger::Create (the first
// tagger of each f32 GEMM backend packs the model's f32 weights for it, once
// per Model; int8 weights are used in place from the mapping; every tagger
// sizes its own arena for the longest window) -> Tag() (no allocation in the
// encoder; only the result vectors grow).
//
// Concurrency contract:
//  - Model is logically immutable after Load(); share one between any number
//    of threads and Taggers. It owns the weights (mapping + packed f32
//    weights), which all its Taggers read concurrently. It must outlive its
//    Taggers. Tagger::Create may be called concurrently on one Model.
//  - A Tagger owns only its arena and per-call buffers and is used by one
//    thread at a time. Create one Tagger per concurrently tagging thread.
//  - f32 GEMMs on XNNPACK: its operators keep per-call state, so concurrent
//    Taggers of one Model take turns per GEMM (a mutex per weight matrix);
//    int8 GEMMs and the Highway f32 GEMM run fully concurrently.
//  - The ThreadPool (runtime/base/thread_pool.h) passed to Tagger::Create is
//    used for all parallel work of that tagger (GEMMs, attention heads);
//    null means single-threaded. Taggers may share a pool: it runs one
//    parallel loop at a time. The caller owns the pool and keeps it alive
//    while its Taggers run.
//  - A pool never stalls a busy machine: work items are claimed one at a
//    time, so a descheduled worker's share is done by the threads that run
//    (a pool larger than the CPUs costs little); idle workers spin ~100 us,
//    then sleep. Size it to the CPUs (ThreadPool::Create(0)): threads beyond
//    them cannot speed anything up.
#ifndef EDGEBERT_RUNTIME_API_EDGEBERT_H_
#define EDGEBERT_RUNTIME_API_EDGEBERT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/status.h"
#include "runtime/base/thread_pool.h"
#include "runtime/head/entities.h"

namespace edgebert {

struct EncoderWeights;
class ModelFile;
namespace internal {
struct Access;  // runtime/api/internal.h
}  // namespace internal

struct ModelConfig {
  int num_layers, hidden_size, num_heads, intermediate_size;
  int max_position_embeddings, type_vocab_size, vocab_size, max_seq_len;
  float layer_norm_eps;
  std::string activation;  // "gelu", "gelu_tanh", "relu"
  std::string head;        // "linear" | "crf" | "bilstm_crf"
  std::string tag_scheme;  // "BIO" | "BIOES" | "BMES"
  std::string precision;   // "f32" | "int8" (from the file's metadata)
  std::vector<std::string> labels;
  // ALBERT: embedding width E (0 = no E -> H mapping) and the weight set
  // each layer runs (layer i -> layer_weights[i]; i for BERT).
  int embedding_size = 0;
  std::vector<int> layer_weights;
  std::string attention;  // attention core: "f32" | "int8"
};

struct LoadOptions {
  // Also hash all tensor data against Model.data_checksum (reads the whole
  // file). The header (config, vocab, labels, tensor table, quantization
  // parameters, metadata) is always checked.
  bool verify_data = false;
  // false: read the file into memory instead of mapping it (for media where
  // model files may change in place; RSS grows by the file size).
  // Mapped loads install a process-wide SIGBUS handler once (sigaction; it
  // chains to the previous handler for faults outside model mappings) so
  // that a file truncated while in use becomes an error (FileStatus), not a
  // crash. Replace model files atomically (write, then rename) instead.
  bool use_mmap = true;
};

class Model {
 public:
  // Maps (or reads) and validates `path`: structure, header checksum, exact
  // file size, tensor layouts and quantization parameters, tokenizer bounds.
  static StatusOr<std::unique_ptr<Model>> Load(const std::string& path,
                                               const LoadOptions& options);
  // Same with LoadOptions{verify_checksum, /*use_mmap=*/true}.
  static StatusOr<std::unique_ptr<Model>> Load(const std::string& path,
                                               bool verify_checksum = false);
  ~Model();
  const ModelConfig& config() const { return config_; }
  Status VerifyChecksum() const;
  // Bytes of f32 weights packed so far for this model's taggers (once per
  // f32 GEMM backend in use, shared by all taggers; 0 for int8 models with
  // an int8 classifier, whose weights are used in place).
  size_t packed_weight_bytes() const;
  // Ok while the model file's mapping is intact. DataLoss naming the file
  // once it was truncated or rewritten in place while in use (a bus error
  // was caught); every Tag/Logits call then fails with this status.
  Status FileStatus() const;

 private:
  struct Packed;  // Per-backend packed weights, built on first use.
  Model();
  // Takes an opened, validated file; fills config_. verify_data: also the
  // data checksum and the int8 weight sums (LoadOptions::verify_data).
  static StatusOr<std::unique_ptr<Model>> FromFile(
      std::unique_ptr<ModelFile> file, bool verify_data);
  std::unique_ptr<ModelFile> file_;
  std::unique_ptr<Packed> packed_;
  ModelConfig config_;
  friend class Tagger;
  friend struct internal::Access;
};

struct TaggerOptions {
  // Longest window in tokens incl. [CLS]/[SEP]; 0 = the model's max_seq_len.
  uint32_t max_seq_len = 0;
  // Distance in tokens between consecutive window starts; 0 = half a window
  // (each token is labelled by the window where it is farthest from an edge).
  // Equal to the window's inner length (max_seq_len - 2): no overlap.
  uint32_t stride = 0;
  // Longest accepted input in bytes (longer text -> InvalidArgument).
  size_t max_text_bytes = 1 << 20;
  // Backend of the f32 GEMMs (weights stored as f32): kAuto = the target's
  // default (x86: Highway; arm64: XNNPACK when compiled in; see
  // runtime/ops/gemm_f32.h) or EDGEBERT_GEMM_BACKEND.
  enum class F32Gemm { kAuto, kXnnpack, kHighway };
  F32Gemm f32_gemm = F32Gemm::kAuto;
  // BiLstmCrf models trained on a padded window (schema Head.padded_window)
  // run the encoder and the LSTM over that whole window, as the TF graph
  // did (the backward LSTM starts at the last padding position). true runs
  // them over the window's tokens only: less work for short text, but the
  // backward LSTM then starts at [SEP] and emissions differ from the trained
  // graph's (measure the agreement on your data before using it).
  bool lstm_unpadded = false;
};

struct TokenResult {
  int32_t id;
  std::string piece;
  uint32_t start, end;            // code points into the input.
  uint32_t start_byte, end_byte;  // bytes into the input.
  uint32_t word;                  // pre-tokenized word index.
  bool continuation;              // a "##" piece.
  int32_t label;  // label id (of this piece, from its window / CRF path).
  std::vector<float> logits;
};

struct TagResult {
  std::vector<Entity> entities;
  std::vector<TokenResult> tokens;  // filled only if want_tokens.
};

// Memory of a tagger, for capacity planning. Only the arena is the tagger's
// own; the rest belongs to the Model and is shared by all its taggers (count
// it once however many taggers there are).
struct MemoryPlan {
  size_t arena_bytes;          // activations for the longest window.
  size_t shared_weight_bytes;  // the Model's f32 weights packed for this
                               // tagger's backend.
  size_t mapped_bytes;         // the model file mapping (page cache).
};

class Tagger {
 public:
  static StatusOr<std::unique_ptr<Tagger>> Create(const Model& model,
                                                  const TaggerOptions& options,
                                                  ThreadPool* pool);
  ~Tagger();

  // Tags `text` (UTF-8). InvalidArgument for invalid UTF-8 or text longer
  // than options.max_text_bytes; DataLoss if the model file was truncated
  // while in use (Model::FileStatus); the result is then empty.
  Status Tag(std::string_view text, TagResult* result,
             bool want_tokens = false);

  // Runs the encoder + head on token ids (incl. [CLS]/[SEP]) of length
  // <= max_seq_len; returns logits [n, num_labels] (a CRF head's emissions)
  // valid until the next call.
  StatusOr<const float*> Logits(const int32_t* ids, size_t n);

  // Per-character BIO tags of a text made by concatenating `chars` (one
  // string per character, as in a BIO file), from a Tag(..., want_tokens =
  // true) result of that text: a word's characters take its first piece's
  // label (B-x then I-x), uncovered characters O (CharTagsFromWordLabels).
  std::vector<std::string> CharTags(const std::vector<std::string>& chars,
                                    const TagResult& result) const;

  MemoryPlan memory() const;
  // memory() of a tagger created with `options` (creates and drops one; the
  // model keeps the packed weights).
  static StatusOr<MemoryPlan> PlanMemory(const Model& model,
                                         const TaggerOptions& options);
  // Highway target of the f32 kernels and the GEMM backend names.
  std::string BackendInfo() const;
  const TaggerOptions& options() const { return options_; }

 private:
  struct Impl;
  Tagger() = default;
  // The model's weights for `f32_gemm`, packed on first use.
  static StatusOr<const EncoderWeights*> SharedWeights(
      const Model& model, TaggerOptions::F32Gemm f32_gemm);
  std::unique_ptr<Impl> impl_;
  TaggerOptions options_;
  friend struct internal::Access;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_API_EDGEBERT_H_
