// The converter's view of an open TensorBundle: tensors read as f32 after a
// shape check, every name read recorded, so that the rest can be checked
// (every tensor is used or training-only, quantize/tf/training_tensors.h).
#ifndef EDGEBERT_QUANTIZE_READERS_TF_TF_TENSORS_H_
#define EDGEBERT_QUANTIZE_READERS_TF_TF_TENSORS_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "quantize/checkpoint.h"
#include "quantize/tf/tensor_bundle.h"
#include "runtime/base/status.h"

namespace edgebert {

class TfTensors {
 public:
  explicit TfTensors(const tf::TfBundle* bundle) : bundle_(bundle) {}

  bool Has(const std::string& name) const;
  // True if some tensor's name starts with `prefix`.
  bool HasPrefix(const std::string& prefix) const;
  // The stored shape of `name`; NotFound naming it and `expect` (a shape
  // description for the message) if absent.
  StatusOr<std::vector<int64_t>> Shape(const std::string& name,
                                       const std::string& expect) const;
  // Reads `name` as f32 after checking its shape == `shape`; `why` says
  // where the expected shape comes from (e.g. "bert_config.json").
  // NotFound / FailedPrecondition name the tensor, expected and actual.
  Status Read(const std::string& name, const std::vector<int64_t>& shape,
              const std::string& why, F32Tensor* out);
  // Read, then [in, out] -> [out, in] (shape is the stored [in, out]).
  Status ReadKernel(const std::string& name, const std::vector<int64_t>& shape,
                    const std::string& why, F32Tensor* out);

  // FailedPrecondition naming the first tensor neither read nor
  // training-only; a layer tensor of layer >= num_layers (name contains
  // "layer_<n>/") says so.
  Status CheckAllUsed(int num_layers) const;
  // Source dtypes of the tensors read, e.g. "float32" or "float16+float32".
  std::string DTypes() const;
  const std::string& label() const { return bundle_->label(); }

 private:
  const tf::TfBundle* bundle_;
  std::set<std::string> used_;
  std::set<std::string> dtypes_;
};

// Rows [r0, r1) of the row-major [rows, cols] `w`, transposed:
// [cols, r1 - r0].
std::vector<float> TransposeRows(const std::vector<float>& w, size_t cols,
                                 size_t r0, size_t r1);

}  // namespace edgebert

#endif  // EDGEBERT_QUANTIZE_READERS_TF_TF_TENSORS_H_
