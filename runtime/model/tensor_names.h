// Canonical tensor names inside an .ebm file. Written by edgebert-convert,
// looked up by the runtime loader. Shapes use PyTorch nn.Linear layout
// (weight [out, in]) unless stated otherwise.
#ifndef EDGEBERT_RUNTIME_MODEL_TENSOR_NAMES_H_
#define EDGEBERT_RUNTIME_MODEL_TENSOR_NAMES_H_

#include <string>

namespace edgebert::names {

// [vocab, hidden], [max_positions, hidden], [type_vocab, hidden]
inline constexpr const char* kWordEmbeddings = "embeddings.word";
inline constexpr const char* kPositionEmbeddings = "embeddings.position";
inline constexpr const char* kTokenTypeEmbeddings = "embeddings.token_type";
inline constexpr const char* kEmbeddingLnGamma = "embeddings.ln.gamma";  // [H]
inline constexpr const char* kEmbeddingLnBeta = "embeddings.ln.beta";    // [H]
// With EncoderConfig.embedding_size E > 0 the three tables and the LayerNorm
// are E wide and this GEMM maps them to H: weight [H, E], bias [H].
inline constexpr const char* kEmbeddingMapWeight = "embeddings.mapping.weight";
inline constexpr const char* kEmbeddingMapBias = "embeddings.mapping.bias";
// [labels, in], [labels]; in = hidden, or for a BiLstmCrf head the width of
// project.hidden (else 2 * lstm_units). TF output_weights / project/logits.
inline constexpr const char* kClassifierWeight = "classifier.weight";
inline constexpr const char* kClassifierBias = "classifier.bias";

// BiLstmCrf head (schema Head: U = lstm_units, P = project_hidden).
// Per direction d in {"fw", "bw"} and stacked cell c, "lstm.<d>.<c>.<suffix>"
// (TF LSTMCell kernel [in + U, 4U] split by rows; gate columns i, j, f, o):
//   input.weight [4U, in]   = kernel[0, in)^T (in = hidden for c = 0, else U)
//   input.bias   [4U]       = bias
//   recurrent    [U, 4U]    = kernel[in, in + U)  ([in, out] layout, f32)
// project.hidden.weight [P, 2U], project.hidden.bias [P] (TF project/hidden
// W^T, b; followed by tanh).
inline constexpr const char* kLstmInputWeight = "input.weight";
inline constexpr const char* kLstmInputBias = "input.bias";
inline constexpr const char* kLstmRecurrent = "recurrent";
inline constexpr const char* kProjectHiddenWeight = "project.hidden.weight";
inline constexpr const char* kProjectHiddenBias = "project.hidden.bias";

inline std::string Lstm(bool backward, int cell, const char* suffix) {
  return std::string("lstm.") + (backward ? "bw." : "fw.") +
         std::to_string(cell) + "." + suffix;
}

// Per weight set i (= per layer unless EncoderConfig.layer_weights shares
// them), "layer.<i>.<suffix>":
//   attention.qkv.weight [3H, H]   rows: query rows, then key, then value
//   attention.qkv.bias   [3H]
//   attention.output.weight [H, H], attention.output.bias [H]
//   attention.ln.gamma [H], attention.ln.beta [H]
//   ffn.in.weight [I, H], ffn.in.bias [I]
//   ffn.out.weight [H, I], ffn.out.bias [H]
//   ffn.ln.gamma [H], ffn.ln.beta [H]
inline constexpr const char* kQkvWeight = "attention.qkv.weight";
inline constexpr const char* kQkvBias = "attention.qkv.bias";
inline constexpr const char* kAttnOutWeight = "attention.output.weight";
inline constexpr const char* kAttnOutBias = "attention.output.bias";
inline constexpr const char* kAttnLnGamma = "attention.ln.gamma";
inline constexpr const char* kAttnLnBeta = "attention.ln.beta";
inline constexpr const char* kFfnInWeight = "ffn.in.weight";
inline constexpr const char* kFfnInBias = "ffn.in.bias";
inline constexpr const char* kFfnOutWeight = "ffn.out.weight";
inline constexpr const char* kFfnOutBias = "ffn.out.bias";
inline constexpr const char* kFfnLnGamma = "ffn.ln.gamma";
inline constexpr const char* kFfnLnBeta = "ffn.ln.beta";

inline std::string Layer(int i, const char* suffix) {
  return "layer." + std::to_string(i) + "." + suffix;
}

// Metadata keys.
inline constexpr const char* kMetaPrecision = "precision";  // "f32" | "int8"
inline constexpr const char* kMetaSource = "source";
inline constexpr const char* kMetaConverter = "converter";

}  // namespace edgebert::names

#endif  // EDGEBERT_RUNTIME_MODEL_TENSOR_NAMES_H_
