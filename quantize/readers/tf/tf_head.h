// The classifier head of a TF BERT NER checkpoint, detected from its tensor
// names (tf_names.h tf_head_names):
//   BiLstmCrf  rnn_layer/bidirectional_rnn/{fw,bw}/[multi_rnn_cell/cell_k/]
//              lstm_cell/{kernel [in + U, 4U], bias [4U]}, optional
//              project/hidden/{W [2U, P], b [P]} (+ tanh), project/logits/
//              {W [P or 2U, L], b [L]}, crf_loss/transitions [L, L]
//              (macanv BERT-BiLSTM-CRF-NER)
//   Crf        crf_loss/transitions (or transitions) [L, L] with emissions
//              tanh(h W + b) from project/logits/{W [H, L], b} (macanv
//              crf_only) or h output_weights^T + output_bias
//   Linear     output_weights [L, H], output_bias [L] (kyzhouhzau BERT-NER)
// TF's crf_decode runs over [CLS] ... [SEP]: crf_span Window, no start/end.
// padded_window is left 0 (the caller stores the training window).
#ifndef EDGEBERT_QUANTIZE_READERS_TF_TF_HEAD_H_
#define EDGEBERT_QUANTIZE_READERS_TF_TF_HEAD_H_

#include <cstdint>

#include "quantize/checkpoint.h"
#include "quantize/readers/tf/tf_tensors.h"
#include "runtime/base/status.h"

namespace edgebert {

// Fills c->head and the head's canonical weights (classifier.*, lstm.*,
// project.hidden.*); returns the head width L. c->hidden_size must be set.
// NotFound if no head is recognised or a head tensor is missing;
// FailedPrecondition for inconsistent shapes (tensor, expected, actual).
StatusOr<int64_t> LoadTfHead(TfTensors* tensors, Checkpoint* c);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_TF_TF_HEAD_H_
