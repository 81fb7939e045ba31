// Label maps of the TensorFlow BERT NER pipelines (google-research/bert
// forks: kyzhouhzau BERT-NER, macanv BERT-BiLSTM-CRF-NER), turned into the
// id -> label list of the classifier head.
//
// Files: label2id.pkl (pickled dict label -> id, quantize/pickle.h),
// label2id.json (object label -> id, or id -> label with decimal keys),
// labels.txt (one label per line, in id order). Their convention: ids start
// at 1 and id 0 is padding; `X`, `[CLS]` and `[SEP]` are ordinary labels.
//
// Rules (each broken one is an error naming the file, label or id): ids are
// >= 0 and unique, labels non-empty and unique; every id in [0, max] has a
// label except 0, which becomes "[PAD]" when unnamed; with a known head
// width W, max id + 1 == W (FailedPrecondition otherwise). labels.txt with W
// lines is ids 0..W-1; with W - 1 lines, ids 1..W-1 and "[PAD]" at 0.
#ifndef EDGEBERT_QUANTIZE_LABELS_H_
#define EDGEBERT_QUANTIZE_LABELS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

inline constexpr char kPaddingLabel[] = "[PAD]";
// Head width not known: the map alone decides the label count.
inline constexpr int64_t kAnyHeadWidth = -1;

// File names looked for in a checkpoint folder, in this order.
inline constexpr const char* kLabelMapNames[] = {"label2id.pkl",
                                                 "label2id.json", "labels.txt"};

// The first of kLabelMapNames present in `dir`; NotFound listing them.
StatusOr<std::string> FindLabelMap(const std::string& dir);

// Reads `path` (format by file name: *.pkl, *.json, else one label per
// line) and returns labels by id, size == head_width when known.
StatusOr<std::vector<std::string>> ReadLabelMap(const std::string& path,
                                                int64_t head_width);

// label -> id pairs to labels by id (the rules above). `what` names the
// source in errors.
StatusOr<std::vector<std::string>> LabelsFromIds(
    const std::vector<std::pair<std::string, int64_t>>& label2id,
    int64_t head_width, const std::string& what);

// One label per line (labels.txt content) to labels by id.
StatusOr<std::vector<std::string>> LabelsFromLines(const std::string& text,
                                                   int64_t head_width,
                                                   const std::string& what);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_LABELS_H_
