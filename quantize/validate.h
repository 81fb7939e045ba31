// Checks of converter inputs beyond shapes (issue 13, item 8). Each returns
// a Status whose message names the file, tensor or option and the rule.
#ifndef EDGEBERT_QUANTIZE_VALIDATE_H_
#define EDGEBERT_QUANTIZE_VALIDATE_H_

#include <string>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"

namespace edgebert {

// Every weight is finite; else the first non-finite value's tensor, flat
// index and value.
Status CheckFiniteWeights(const Checkpoint& ckpt);

// Every tensor of `safetensors_path` is used by a model of `num_layers`
// layers, except the pooler, pretraining heads ("cls.") and the
// position_ids buffer: a tensor of layer >= num_layers or of an unknown
// module is an error (e.g. num_hidden_layers smaller than the checkpoint).
Status CheckAllTensorsUsed(const std::string& safetensors_path, int num_layers);

// An id2label key is a canonical decimal id: digits only, no sign, spaces
// or leading zeros ("6", not " 6", "+6" or "06").
Status CheckLabelKey(const std::string& config_path, const std::string& key);

// --min-fidelity is an F1 in [0, 1].
Status CheckMinFidelity(double min_fidelity);

// The output path is not a symbolic link: the converter replaces the output
// by renaming a new file over it, which would replace the link itself, so
// it refuses and names the link's target.
Status CheckOutputPath(const std::string& path);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_VALIDATE_H_
