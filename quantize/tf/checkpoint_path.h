// Resolves what a user points at to a TensorBundle prefix (PREFIX.index and
// PREFIX.data-* exist):
//   - PREFIX itself, PREFIX.index, or one of PREFIX.data-0000k-of-0000n;
//   - a folder with a TF `checkpoint` file (text proto): its
//     model_checkpoint_path, relative to the folder, or absolute (when an
//     absolute path no longer exists, e.g. the folder was moved, the same
//     base name inside the folder is used);
//   - a folder without `checkpoint` holding exactly one *.index file (e.g. a
//     SavedModel's variables/ or a released bert_model.ckpt).
// NotFound otherwise, naming the path and what was looked for.
#ifndef EDGEBERT_QUANTIZE_TF_CHECKPOINT_PATH_H_
#define EDGEBERT_QUANTIZE_TF_CHECKPOINT_PATH_H_

#include <string>

#include "runtime/base/status.h"

namespace edgebert::tf {

StatusOr<std::string> ResolveTfPrefix(const std::string& path);

// True if `path` resolves to a TF prefix (for format detection).
bool LooksLikeTfCheckpoint(const std::string& path);

}  // namespace edgebert::tf

#endif  // EDGEBERT_QUANTIZE_TF_CHECKPOINT_PATH_H_
