// Reader of TF1 google-research/bert NER output folders (and its forks:
// kyzhouhzau BERT-NER, macanv BERT-BiLSTM-CRF-NER) -> Checkpoint
// (quantize/checkpoint.h), without TensorFlow:
//   checkpoint + model.ckpt-N.{index,data-*}  TensorBundle V2 (quantize/tf/)
//   bert_config.json                          encoder config (tf_config.h)
//   vocab.txt                                 WordPiece vocabulary
//   label2id.pkl | label2id.json | labels.txt id -> label (quantize/labels.h)
//   tokenizer_config.json (optional)          as for Hugging Face folders
// Encoder names by family (tf_names.h), head by tensor names (tf_head.h).
// Every tensor is used or training state (quantize/tf/training_tensors.h);
// anything else is an error naming it.
#ifndef EDGEBERT_QUANTIZE_READERS_TF_TF_CHECKPOINT_H_
#define EDGEBERT_QUANTIZE_READERS_TF_TF_CHECKPOINT_H_

#include <string>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"

namespace edgebert {

struct TfReadOptions {
  std::string dir;          // the folder with bert_config.json, vocab.txt
  std::string checkpoint;   // PREFIX (or a file of it); "" = from dir
  std::string labels_path;  // "" = the first of kLabelMapNames in dir
  // google-research/bert's do_lower_case flag is not saved with the model;
  // uncased (true) is the default of its Chinese models. A
  // tokenizer_config.json in dir is read as for Hugging Face folders; cased
  // = true forces do_lower_case = strip_accents = false.
  bool cased = false;
};

// True if `dir` holds a TF checkpoint (a `checkpoint` file or a *.index).
bool IsTfCheckpointDir(const std::string& dir);

// NotFound: missing folder, file or tensor (named). FailedPrecondition:
// shapes disagreeing with bert_config.json or each other, label count !=
// head width, unused tensors. DataLoss / Unimplemented: from the bundle
// reader (corrupt index or data, sliced variables).
StatusOr<Checkpoint> LoadTfCheckpoint(const TfReadOptions& options);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_TF_TF_CHECKPOINT_H_
