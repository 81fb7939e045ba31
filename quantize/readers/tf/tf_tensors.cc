#include "quantize/readers/tf/tf_tensors.h"

#include <cstdlib>
#include <utility>

#include "quantize/tf/bundle_proto.h"
#include "quantize/tf/training_tensors.h"
#include "runtime/model/model_file.h"

namespace edgebert {
namespace {

// n of the first "layer_<n>/" in `name`, else -1.
long LayerOf(const std::string& name) {
  const size_t p = name.find("layer_");
  if (p == std::string::npos) return -1;
  char* end = nullptr;
  const long n = std::strtol(name.c_str() + p + 6, &end, 10);
  return end != name.c_str() + p + 6 && *end == '/' ? n : -1;
}

}  // namespace

bool TfTensors::Has(const std::string& name) const {
  return bundle_->Find(name) != nullptr;
}

bool TfTensors::HasPrefix(const std::string& prefix) const {
  for (const tf::TfTensorInfo& t : bundle_->entries()) {
    if (t.name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

StatusOr<std::vector<int64_t>> TfTensors::Shape(
    const std::string& name, const std::string& expect) const {
  const tf::TfTensorInfo* t = bundle_->Find(name);
  if (t == nullptr) {
    return NotFound(label() + ": missing tensor '" + name + "' (expected " +
                    expect + ")");
  }
  return t->shape;
}

Status TfTensors::Read(const std::string& name,
                       const std::vector<int64_t>& shape,
                       const std::string& why, F32Tensor* out) {
  StatusOr<std::vector<int64_t>> s = Shape(name, ShapeString(shape));
  if (!s.ok()) return s.status();
  if (*s != shape) {
    return FailedPrecondition(label() + ": tensor '" + name + "' has shape " +
                              ShapeString(*s) + ", expected " +
                              ShapeString(shape) + " (" + why + ")");
  }
  StatusOr<std::vector<float>> v = bundle_->ReadF32(name);
  if (!v.ok()) return v.status();
  out->shape = shape;
  out->data = std::move(v.value());
  used_.insert(name);
  dtypes_.insert(tf::TfDTypeName(bundle_->Find(name)->dtype));
  return Status::Ok();
}

Status TfTensors::ReadKernel(const std::string& name,
                             const std::vector<int64_t>& shape,
                             const std::string& why, F32Tensor* out) {
  F32Tensor stored;
  EB_RETURN_IF_ERROR(Read(name, shape, why, &stored));
  const size_t rows = static_cast<size_t>(shape[0]);
  const size_t cols = static_cast<size_t>(shape[1]);
  out->shape = {shape[1], shape[0]};
  out->data = TransposeRows(stored.data, cols, 0, rows);
  return Status::Ok();
}

Status TfTensors::CheckAllUsed(int num_layers) const {
  for (const tf::TfTensorInfo& t : bundle_->entries()) {
    if (used_.count(t.name) || tf::TrainingOnlyReason(t.name) != nullptr) {
      continue;
    }
    const long layer = LayerOf(t.name);
    if (layer >= num_layers) {
      return FailedPrecondition(label() + ": tensor '" + t.name +
                                "' belongs to layer " + std::to_string(layer) +
                                " but bert_config.json num_hidden_layers is " +
                                std::to_string(num_layers) +
                                ": the layers would be dropped");
    }
    return FailedPrecondition(
        label() + ": tensor '" + t.name + "' (" + ShapeString(t.shape) +
        (t.sliced ? ", partitioned" : "") +
        ") is not used by a BERT token classifier and is not training state; "
        "the converter does not know this module");
  }
  return Status::Ok();
}

std::string TfTensors::DTypes() const {
  std::string s;
  for (const std::string& d : dtypes_) s += (s.empty() ? "" : "+") + d;
  return s;
}

std::vector<float> TransposeRows(const std::vector<float>& w, size_t cols,
                                 size_t r0, size_t r1) {
  const size_t n = r1 - r0;
  std::vector<float> out(cols * n);
  for (size_t r = r0; r < r1; ++r) {
    for (size_t c = 0; c < cols; ++c) out[c * n + (r - r0)] = w[r * cols + c];
  }
  return out;
}

}  // namespace edgebert
