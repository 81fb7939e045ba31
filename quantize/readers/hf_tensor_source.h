// Reads Hugging Face safetensors weights by name for a checkpoint reader:
// model prefix ("bert." / "albert.") optional, LayerNorm weight/bias or
// gamma/beta, shape checked, converted to f32; remembers which tensors were
// read so a reader can refuse the ones its model would not use.
#ifndef EDGEBERT_QUANTIZE_READERS_HF_TENSOR_SOURCE_H_
#define EDGEBERT_QUANTIZE_READERS_HF_TENSOR_SOURCE_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "runtime/base/status.h"
#include "runtime/model/safetensors.h"

namespace edgebert {

class TensorSource {
 public:
  // `prefix` is tried first for every name except "classifier.*".
  TensorSource(const SafetensorsFile* file, std::string prefix)
      : file_(file), prefix_(std::move(prefix)) {}

  // Loads `hf_name` (without the prefix), checks its shape and converts it
  // to f32. NotFound names the missing tensor, FailedPrecondition the shape.
  Status Get(const std::string& hf_name, const std::vector<int64_t>& shape,
             F32Tensor* out);

  // Source dtypes read so far, e.g. "F32" or "F16+F32".
  std::string DTypes() const;
  // Stored names read so far.
  const std::set<std::string>& used() const { return used_; }

 private:
  const SafetensorsFile* file_;
  std::string prefix_;
  std::set<std::string> dtypes_, used_;
};

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_HF_TENSOR_SOURCE_H_
