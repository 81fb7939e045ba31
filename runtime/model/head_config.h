// Structural checks of the model file's Head table (schema/edgebert.fbs),
// run once by ModelFile::Open: enum ranges, CRF vector sizes, BiLSTM sizes.
// Tensor shapes are checked where the head's tensors are bound
// (runtime/model/bilstm_head.h, encoder.h).
#ifndef EDGEBERT_RUNTIME_MODEL_HEAD_CONFIG_H_
#define EDGEBERT_RUNTIME_MODEL_HEAD_CONFIG_H_

#include <string>

#include "runtime/base/status.h"
#include "schema/edgebert_generated.h"

namespace edgebert {

// Largest accepted lstm_units / project_hidden / lstm_layers (far above any
// real tagger; keeps scratch sizes and index arithmetic small).
inline constexpr int kMaxLstmUnits = 4096;
inline constexpr int kMaxLstmLayers = 8;

// `where` prefixes every message (e.g. "model file 'x.ebm': ").
// FailedPrecondition naming the field, its value and the rule.
Status ValidateHeadConfig(const fb::Model& m, const std::string& where);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_HEAD_CONFIG_H_
