// Reader of Hugging Face BertForTokenClassification and (hf_albert.h)
// AlbertForTokenClassification checkpoint directories:
// config.json + vocab.txt (+ tokenizer_config.json, special_tokens_map.json)
// + model.safetensors (F32, F16 or BF16) -> Checkpoint (quantize/checkpoint.h)
// with every weight as f32 under its canonical name, QKV fused.
#ifndef EDGEBERT_QUANTIZE_READERS_HF_CHECKPOINT_H_
#define EDGEBERT_QUANTIZE_READERS_HF_CHECKPOINT_H_

#include <string>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"

namespace edgebert {

// NotFound: missing directory / config.json / vocab.txt / model.safetensors /
// tensor (message names it). FailedPrecondition: shape or count
// inconsistencies (message names tensor, expected and actual).
// Unimplemented: architecture, activation, tensor dtype, sharded or pickle
// checkpoints. DataLoss: corrupt JSON or safetensors.
StatusOr<Checkpoint> LoadHfCheckpoint(const std::string& dir);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_HF_CHECKPOINT_H_
