// edgebert public API: load an .ebm model, tag UTF-8 text, get entities.
//
//   auto model = edgebert::Model::Load("model.ebm");        // mmap + verify
//   pthreadpool_t pool = pthreadpool_create(2);               // yours
//   auto tagger = edgebert::Tagger::Create(*model.value(), {}, pool);
//   edgebert::TagResult r;
//   edgebert::Status s = tagger.value()->Tag("高勇：男，中国国籍", &r);
//
// Phases: Load (verify the file once, pack f32 weights for the backend) ->
// Plan (Tagger::Create sizes one arena for the longest window) -> Run
// (Tag(): no allocation in the encoder; only the result vectors grow).
//
// Concurrency contract:
//  - Model is immutable after Load(); share one between any number of
//    threads and Taggers. It must outlive its Taggers.
//  - A Tagger is used by one thread at a time (it owns the arena and the
//    backend operators). Create one Tagger per concurrently tagging thread.
//  - The pthreadpool passed to Tagger::Create is used for all parallel work
//    of that tagger (GEMMs, attention heads); null means single-threaded.
//    Taggers may share a pool: pthreadpool serializes concurrent
//    parallelize calls. The caller owns the pool and must keep it alive.
#ifndef EDGEBERT_RUNTIME_API_EDGEBERT_H_
#define EDGEBERT_RUNTIME_API_EDGEBERT_H_

#include <pthreadpool.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/status.h"
#include "runtime/head/entities.h"

namespace edgebert {

class ModelFile;
namespace internal {
struct Access;  // runtime/api/internal.h
}  // namespace internal

struct ModelConfig {
  int num_layers, hidden_size, num_heads, intermediate_size;
  int max_position_embeddings, type_vocab_size, vocab_size, max_seq_len;
  float layer_norm_eps;
  std::string activation;  // "gelu", "gelu_tanh", "relu"
  std::string head;        // "linear" | "crf"
  std::string tag_scheme;  // "BIO" | "BIOES"
  std::string precision;   // "f32" | "int8" (from the file's metadata)
  std::vector<std::string> labels;
};

class Model {
 public:
  // Maps and validates `path`. With verify_checksum, also hashes all tensor
  // data (reads the whole file; off by default for a cold start that is
  // mostly an mmap).
  static StatusOr<std::unique_ptr<Model>> Load(const std::string& path,
                                               bool verify_checksum = false);
  ~Model();
  const ModelConfig& config() const { return config_; }
  Status VerifyChecksum() const;

 private:
  Model() = default;
  // Takes an opened, validated file; fills config_.
  static StatusOr<std::unique_ptr<Model>> FromFile(
      std::unique_ptr<ModelFile> file, bool verify_checksum);
  std::unique_ptr<ModelFile> file_;
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
  // Backend of the f32 GEMMs (weights stored as f32): kAuto = XNNPACK when
  // compiled in, else the Highway GEMM.
  enum class F32Gemm { kAuto, kXnnpack, kHighway };
  F32Gemm f32_gemm = F32Gemm::kAuto;
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

// Memory a tagger needs, for capacity planning before creating it.
struct MemoryPlan {
  size_t arena_bytes;         // activations for the longest window.
  size_t owned_weight_bytes;  // weights copied/packed by backends.
  size_t mapped_bytes;        // the model file mapping (page cache, shared).
};

class Tagger {
 public:
  static StatusOr<std::unique_ptr<Tagger>> Create(const Model& model,
                                                  const TaggerOptions& options,
                                                  pthreadpool_t pool);
  ~Tagger();

  // Tags `text` (UTF-8). InvalidArgument for invalid UTF-8 or text longer
  // than options.max_text_bytes; the result is then empty.
  Status Tag(std::string_view text, TagResult* result,
             bool want_tokens = false);

  // Runs the encoder + head on token ids (incl. [CLS]/[SEP]) of length
  // <= max_seq_len; returns logits [n, num_labels] valid until the next call.
  StatusOr<const float*> Logits(const int32_t* ids, size_t n);

  // Per-character BIO tags of a text made by concatenating `chars` (one
  // string per character, as in a BIO file), from a Tag(..., want_tokens =
  // true) result of that text: a word's characters take its first piece's
  // label (B-x then I-x), uncovered characters O (CharTagsFromWordLabels).
  std::vector<std::string> CharTags(const std::vector<std::string>& chars,
                                    const TagResult& result) const;

  MemoryPlan memory() const;
  static StatusOr<MemoryPlan> PlanMemory(const Model& model,
                                         const TaggerOptions& options);
  // Highway target of the f32 kernels and the GEMM backend names.
  std::string BackendInfo() const;
  const TaggerOptions& options() const { return options_; }

 private:
  struct Impl;
  Tagger() = default;
  std::unique_ptr<Impl> impl_;
  TaggerOptions options_;
  friend struct internal::Access;
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_API_EDGEBERT_H_
