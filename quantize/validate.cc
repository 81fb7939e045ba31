#include "quantize/validate.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "runtime/model/safetensors.h"

namespace edgebert {

Status CheckFiniteWeights(const Checkpoint& ckpt) {
  for (const auto& [name, t] : ckpt.weights) {
    for (size_t i = 0; i < t.data.size(); ++i) {
      if (!std::isfinite(t.data[i])) {
        return InvalidArgument(
            "weight '" + name + "' element " + std::to_string(i) + " is " +
            std::to_string(t.data[i]) + ": weights must be finite");
      }
    }
  }
  return Status::Ok();
}

namespace {

// "encoder.layer.<i>.": the layer index i, or -1 if `name` (without a
// "bert." prefix) is not a layer tensor.
long LayerIndex(const std::string& name) {
  const std::string prefix = "encoder.layer.";
  if (name.rfind(prefix, 0) != 0) return -1;
  char* end = nullptr;
  const long i = std::strtol(name.c_str() + prefix.size(), &end, 10);
  return *end == '.' ? i : -1;
}

bool StartsWithAny(const std::string& s, const std::vector<std::string>& p) {
  for (const std::string& x : p) {
    if (s.rfind(x, 0) == 0) return true;
  }
  return false;
}

}  // namespace

Status CheckAllTensorsUsed(const std::string& safetensors_path,
                           int num_layers) {
  StatusOr<SafetensorsFile> file = SafetensorsFile::Open(safetensors_path);
  if (!file.ok()) return file.status();
  for (const auto& entry : file.value().tensors()) {
    std::string name = entry.first;
    if (name.rfind("bert.", 0) == 0) name = name.substr(5);
    if (StartsWithAny(name, {"pooler.", "cls.", "embeddings.position_ids"})) {
      continue;
    }
    const long layer = LayerIndex(name);
    if (layer >= num_layers) {
      return FailedPrecondition(safetensors_path + ": tensor '" + entry.first +
                                "' belongs to layer " + std::to_string(layer) +
                                " but config.json num_hidden_layers is " +
                                std::to_string(num_layers) +
                                ": the layers would be dropped");
    }
    if (layer < 0 && !StartsWithAny(name, {"embeddings.", "classifier."})) {
      return FailedPrecondition(safetensors_path + ": tensor '" + entry.first +
                                "' is not used by a BertForTokenClassification "
                                "model (unknown module)");
    }
  }
  return Status::Ok();
}

Status CheckLabelKey(const std::string& config_path, const std::string& key) {
  bool ok = !key.empty() && (key == "0" || key[0] != '0');
  for (char ch : key) ok = ok && ch >= '0' && ch <= '9';
  if (ok) return Status::Ok();
  return InvalidArgument(config_path + ": id2label key \"" + key +
                         "\" is not a plain decimal id (digits only, no "
                         "sign, spaces or leading zeros)");
}

Status CheckMinFidelity(double min_fidelity) {
  if (min_fidelity >= 0 && min_fidelity <= 1) return Status::Ok();
  return InvalidArgument("--min-fidelity " + std::to_string(min_fidelity) +
                         " is outside [0, 1] (an entity F1)");
}

Status CheckOutputPath(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
    return Status::Ok();
  }
  std::vector<char> target(4096, '\0');
  const ssize_t n = readlink(path.c_str(), target.data(), target.size() - 1);
  return InvalidArgument(
      "--output " + path + " is a symbolic link" +
      (n > 0 ? " to " + std::string(target.data(), static_cast<size_t>(n))
             : std::string()) +
      ": refusing to replace the link with a regular file; pass the "
      "target's path to write the file it points to");
}

}  // namespace edgebert
