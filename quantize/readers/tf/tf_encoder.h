// The encoder weights of a TF checkpoint, by a family's name table
// (tf_names.h): read, shape-checked against the config, kernels transposed,
// Q/K/V fused, stored under the canonical names in c->weights.
#ifndef EDGEBERT_QUANTIZE_READERS_TF_TF_ENCODER_H_
#define EDGEBERT_QUANTIZE_READERS_TF_TF_ENCODER_H_

#include "quantize/checkpoint.h"
#include "quantize/readers/tf/tf_names.h"
#include "quantize/readers/tf/tf_tensors.h"
#include "runtime/base/status.h"

namespace edgebert {

// c's encoder configuration must be filled (tf_config.h).
Status LoadTfEncoder(const TfFamily& family, TfTensors* tensors, Checkpoint* c);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_TF_TF_ENCODER_H_
