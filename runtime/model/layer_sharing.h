// Which weight set each encoder layer runs, and the factorized embedding
// width (schema EncoderConfig.layer_weights / embedding_size, ALBERT).
// Checked once by ModelFile::Open; the tensors of each set and of the
// E -> H mapping are bound (shapes checked) by EncoderWeights::Create.
#ifndef EDGEBERT_RUNTIME_MODEL_LAYER_SHARING_H_
#define EDGEBERT_RUNTIME_MODEL_LAYER_SHARING_H_

#include <cstddef>
#include <string>
#include <vector>

#include "runtime/base/status.h"
#include "schema/edgebert_generated.h"

namespace edgebert {

// FailedPrecondition naming the field, the value and the rule:
// embedding_size >= 0; layer_weights empty or num_layers entries, each in
// [0, num_layers), every set 0..max used by some layer; with layer_weights
// empty (one set per layer, each with its own tensors) num_layers <=
// num_tensors, so nothing sized by num_layers outgrows the file. `where`
// prefixes every message.
Status ValidateLayerSharing(const fb::EncoderConfig& e, size_t num_tensors,
                            const std::string& where);

// Layer i -> weight set index (identity when layer_weights is empty).
// Requires a validated config.
std::vector<int> LayerWeightSets(const fb::EncoderConfig& e);

// 1 + the largest set index (num_layers when layer_weights is empty).
int NumWeightSets(const std::vector<int>& layer_sets);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_LAYER_SHARING_H_
