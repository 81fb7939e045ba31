// Hugging Face config.json of a BertForTokenClassification or
// AlbertForTokenClassification checkpoint.
#ifndef EDGEBERT_QUANTIZE_READERS_HF_CONFIG_H_
#define EDGEBERT_QUANTIZE_READERS_HF_CONFIG_H_

#include <string>

#include <nlohmann/json.hpp>

#include "quantize/checkpoint.h"
#include "quantize/readers/hf_albert.h"
#include "runtime/base/status.h"

namespace edgebert {

// Fills the encoder configuration, activation (hidden_act), labels
// (id2label) and tag scheme (BIOES if a label starts with E- or S-) of *c.
// Unimplemented: architecture, model_type, position_embedding_type or
// activation not supported. InvalidArgument: missing or bad field (named).
// FailedPrecondition: hidden_size not divisible by num_attention_heads.
// DataLoss: not a JSON object.
// ALBERT (model_type "albert"): also ParseAlbertConfig (hf_albert.h) into
// *albert (albert->hidden_layers > 0 marks an ALBERT); Unimplemented if
// albert is null.
Status ParseHfConfig(const std::string& path, Checkpoint* c,
                     AlbertLayout* albert = nullptr);

// Integer field `key` of the JSON object `cfg` (read from `path`): required,
// in [1, INT_MAX]; InvalidArgument naming path, key and value otherwise.
Status PositiveIntField(const nlohmann::json& cfg, const std::string& path,
                        const char* key, int* out);
// PositiveIntField, or *out = fallback when `key` is absent.
Status PositiveIntFieldOr(const nlohmann::json& cfg, const std::string& path,
                          const char* key, int fallback, int* out);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_HF_CONFIG_H_
