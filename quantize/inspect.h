// `edgebert-convert --inspect PATH`: what a checkpoint holds, one JSON line
// per tensor: {"name": str, "dtype": str, "shape": [int...]} plus
// "sliced": true for a partitioned TF variable. dtype names are numpy's
// ("float32", "bfloat16", "int64", ...) for both formats.
//
// PATH: a *.safetensors file; a folder with model.safetensors, else with
// other *.safetensors files (all listed by file name: sharded HF
// checkpoints); otherwise a TF checkpoint
// folder or prefix (quantize/tf/checkpoint_path.h). Tensors are listed in
// name order within each file. Errors name the path and what was expected.
#ifndef EDGEBERT_QUANTIZE_INSPECT_H_
#define EDGEBERT_QUANTIZE_INSPECT_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

struct TensorListing {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  bool sliced = false;
};

StatusOr<std::vector<TensorListing>> ListCheckpoint(const std::string& path);

// The JSON line of one tensor (no trailing newline).
std::string TensorListingJson(const TensorListing& t);

// ListCheckpoint, then one line per tensor to `out`.
Status InspectCheckpoint(const std::string& path, std::FILE* out);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_INSPECT_H_
