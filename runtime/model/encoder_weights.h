// The encoder's weights, built once per Model and f32 GEMM backend and shared
// read-only by every Encoder (one per Tagger): views into the model mapping
// (embeddings, LayerNorm, int8 GEMM weights and f32 GEMM weights stored
// F32PackedN16 when the backend is Highway, used in place) and, for
// row-major f32 weights or XNNPACK, the copies packed by their backend (the
// only bytes this object owns beyond the mapping, with the padded biases).
//
// Immutable after Create(); every member may be used concurrently by any
// number of Encoders (Linear::Run is thread-safe, see linear.h).
#ifndef EDGEBERT_RUNTIME_MODEL_ENCODER_WEIGHTS_H_
#define EDGEBERT_RUNTIME_MODEL_ENCODER_WEIGHTS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/status.h"
#include "runtime/model/linear.h"
#include "runtime/model/model_file.h"
#include "runtime/ops/gemm_f32.h"

namespace edgebert {

struct EncoderWeights {
  struct Layer {
    std::unique_ptr<Linear> qkv, attn_out, ffn_in, ffn_out;
    const float *attn_ln_g, *attn_ln_b, *ffn_ln_g, *ffn_ln_b;
  };
  // Each table is f32 [rows, width], or int8 with one scale per row
  // (scales != null; value = scale[r] * q[r, d], runtime/quant/codec.h).
  // Widths: word_width for the word table, width for the others and the
  // LayerNorm: E and E (mapping after the LayerNorm), E and H (word-only
  // mapping, albert_zh), H and H (no mapping, BERT).
  struct Embeddings {
    size_t word_width = 0, width = 0;
    const TensorView* word = nullptr;  // [V, word_width]
    const float* word_scales = nullptr;
    const TensorView* position = nullptr;  // [P, width]
    const float* position_scales = nullptr;
    const TensorView* token_type = nullptr;  // [T, width]
    const float* token_type_scales = nullptr;
    const float *ln_g = nullptr, *ln_b = nullptr;  // [width]
    std::unique_ptr<Linear> mapping;  // E -> H; null without one (BERT)
    bool word_only = false;           // mapping of the word rows only
  };

  // Validates every tensor the encoder reads (errors name the tensor and the
  // rule it broke) and packs the f32 GEMM weights for `f32_backend`. `file`
  // must outlive the result.
  static StatusOr<std::unique_ptr<EncoderWeights>> Create(
      const ModelFile& file, GemmF32::Backend f32_backend);

  // Bytes of packed weights owned here (beyond the model mapping).
  size_t packed_bytes() const;
  // Largest Linear scratch for up to max_m rows.
  size_t GemmScratchBytes(size_t max_m) const;
  std::string gemm_kinds() const;  // e.g. "xnnpack" or "int8,highway"

  size_t hidden = 0, heads = 0, inter = 0, labels = 0, max_positions = 0;
  float eps = 0;
  bool int8_attention = false;  // EncoderConfig.attention == Int8
  Embeddings emb;
  // Each weight set is bound (and packed) once; layer i runs
  // sets[layer_sets[i]] (shared by several layers in ALBERT).
  std::vector<Layer> sets;
  std::vector<int> layer_sets;
  std::unique_ptr<Linear> classifier;  // null for a BiLstmCrf head
};

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_ENCODER_WEIGHTS_H_
