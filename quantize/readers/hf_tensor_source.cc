#include "quantize/readers/hf_tensor_source.h"

#include "runtime/model/model_file.h"

namespace edgebert {
namespace {

// `name`, then its gamma/beta spelling if it is a LayerNorm weight/bias.
std::vector<std::string> Aliases(const std::string& name) {
  std::vector<std::string> out = {name};
  const std::string w = "LayerNorm.weight", b = "LayerNorm.bias";
  auto ends = [&](const std::string& suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
               0;
  };
  if (ends(w)) out.push_back(name.substr(0, name.size() - 6) + "gamma");
  if (ends(b)) out.push_back(name.substr(0, name.size() - 4) + "beta");
  return out;
}

}  // namespace

Status TensorSource::Get(const std::string& hf_name,
                         const std::vector<int64_t>& shape, F32Tensor* out) {
  std::vector<std::string> candidates;
  for (const std::string& base : Aliases(hf_name)) {
    if (base.rfind("classifier.", 0) != 0) candidates.push_back(prefix_ + base);
    candidates.push_back(base);
  }
  const StTensor* t = nullptr;
  for (const std::string& n : candidates) {
    if ((t = file_->Find(n)) != nullptr) break;
  }
  if (t == nullptr) {
    return NotFound(file_->path() + ": missing tensor '" + candidates[0] + "'");
  }
  if (t->shape != shape) {
    return FailedPrecondition(file_->path() + ": tensor '" + t->name +
                              "' has shape " + ShapeString(t->shape) +
                              ", expected " + ShapeString(shape));
  }
  EB_RETURN_IF_ERROR(ToF32(*t, &out->data));
  out->shape = shape;
  dtypes_.insert(StDTypeName(t->dtype));
  used_.insert(t->name);
  return Status::Ok();
}

std::string TensorSource::DTypes() const {
  std::string s;
  for (const std::string& d : dtypes_) s += (s.empty() ? "" : "+") + d;
  return s;
}

}  // namespace edgebert
