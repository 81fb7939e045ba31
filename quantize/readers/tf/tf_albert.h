// google-research/albert's albert_config.json beyond the BERT fields
// (tf_config.h): embedding_size, num_hidden_groups, inner_group_num, and
// the layer -> weight set mapping of modeling.py's transformer_model:
// layer i runs group int(i / num_hidden_layers * num_hidden_groups) (the
// source's own float formula, not Hugging Face's), each group its
// inner_group_num layers in order. The Checkpoint gets num_hidden_layers *
// inner_group_num layers; layer i * K + k runs set g * K + k.
#ifndef EDGEBERT_QUANTIZE_READERS_TF_TF_ALBERT_H_
#define EDGEBERT_QUANTIZE_READERS_TF_TF_ALBERT_H_

#include <string>

#include "quantize/checkpoint.h"
#include "quantize/readers/tf/tf_names.h"
#include "quantize/readers/tf/tf_tensors.h"
#include "runtime/base/status.h"

namespace edgebert {

// c holds the BERT fields of `path` (num_layers = num_hidden_layers). Sets
// c->embedding_size (0 when E == H and the checkpoint has no
// embedding_hidden_mapping_in, as modeling.py skips it), c->layer_weights,
// c->num_layers and *inner. InvalidArgument names a bad field;
// FailedPrecondition if a group would never run or E != H has no mapping.
// brightmart/albert_zh (TfLayers::kShared): one set for every layer, the
// word-only mapping (fb::EmbeddingMapping::WordOnly) with a zero bias (its
// word_embeddings_2 has none); groups / inner groups must be 1.
Status ParseTfAlbertConfig(const std::string& path, const TfTensors& tensors,
                           TfLayers layers, Checkpoint* c, int* inner);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_TF_TF_ALBERT_H_
