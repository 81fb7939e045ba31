#include "quantize/int8/two_pass.h"

#include "runtime/model/tensor_names.h"

namespace edgebert {

Status MarkTwoPass(const std::vector<std::string>& requested,
                   const std::vector<GemmSpec>& specs,
                   std::vector<GemmResult>* gemms) {
  for (const std::string& name : requested) {
    if (name == "none") continue;
    const bool automatic = name == "auto";
    bool found = automatic;
    std::string valid = "auto, none";
    for (size_t i = 0; i < specs.size(); ++i) {
      valid += ", " + specs[i].weight;
      const bool chosen = automatic
                              ? specs[i].weight == names::kEmbeddingMapWeight
                              : specs[i].weight == name;
      if (!chosen) continue;
      (*gemms)[i].chosen.tensor.activation_passes = 2;
      found = true;
    }
    if (!found) {
      return InvalidArgument(
          "--two-pass '" + name +
          "' is not a GEMM weight of this model (one of: " + valid + ")");
    }
  }
  return Status::Ok();
}

}  // namespace edgebert
