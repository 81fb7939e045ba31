#include "quantize/inspect.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "quantize/tf/bundle_proto.h"
#include "quantize/tf/tensor_bundle.h"
#include "runtime/model/safetensors.h"

namespace edgebert {

namespace fs = std::filesystem;

namespace {

// Safetensors dtype spelling -> numpy's.
std::string NumpyName(StDType t) {
  switch (t) {
    case StDType::kF32:
      return "float32";
    case StDType::kF16:
      return "float16";
    case StDType::kBF16:
      return "bfloat16";
    case StDType::kF64:
      return "float64";
    case StDType::kBool:
      return "bool";
    case StDType::kF8E4M3:
      return "float8_e4m3";
    case StDType::kF8E5M2:
      return "float8_e5m2";
    default:
      break;
  }
  // I8 -> int8, U16 -> uint16, ...
  std::string s = StDTypeName(t);
  const std::string bits = s.substr(1);
  return (s[0] == 'I' ? "int" : "uint") + bits;
}

Status ListSafetensors(const std::string& file,
                       std::vector<TensorListing>* out) {
  StatusOr<SafetensorsFile> st = SafetensorsFile::Open(file);
  if (!st.ok()) return st.status();
  for (const auto& [name, t] : st->tensors()) {
    out->push_back({name, NumpyName(t.dtype), t.shape, false});
  }
  return Status::Ok();
}

// model.safetensors if present, else every *.safetensors (shards).
std::vector<std::string> SafetensorsIn(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  const fs::path main = fs::path(dir) / "model.safetensors";
  if (fs::is_regular_file(main, ec)) return {main.string()};
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".safetensors" && e.is_regular_file(ec)) {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

StatusOr<std::vector<TensorListing>> ListCheckpoint(const std::string& path) {
  std::vector<TensorListing> out;
  std::error_code ec;
  std::vector<std::string> st_files;
  if (fs::path(path).extension() == ".safetensors") {
    st_files.push_back(path);
  } else if (fs::is_directory(path, ec)) {
    st_files = SafetensorsIn(path);
  }
  for (const std::string& f : st_files) {
    EB_RETURN_IF_ERROR(ListSafetensors(f, &out));
  }
  if (!st_files.empty()) return out;
  StatusOr<tf::TfBundle> b = tf::OpenTfBundle(path);
  if (!b.ok()) {
    if (b.status().code() != StatusCode::kNotFound) return b.status();
    return NotFound(path +
                    " holds no *.safetensors file and no TF checkpoint: " +
                    b.status().message());
  }
  for (const tf::TfTensorInfo& t : b->entries()) {
    out.push_back({t.name, tf::TfDTypeName(t.dtype), t.shape, t.sliced});
  }
  return out;
}

std::string TensorListingJson(const TensorListing& t) {
  nlohmann::ordered_json j;
  j["name"] = t.name;
  j["dtype"] = t.dtype;
  j["shape"] = t.shape;
  if (t.sliced) j["sliced"] = true;
  // Names are UTF-8 (safetensors) or arbitrary bytes (TF): never throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status InspectCheckpoint(const std::string& path, std::FILE* out) {
  StatusOr<std::vector<TensorListing>> list = ListCheckpoint(path);
  if (!list.ok()) return list.status();
  for (const TensorListing& t : list.value()) {
    std::fprintf(out, "%s\n", TensorListingJson(t).c_str());
  }
  return Status::Ok();
}

}  // namespace edgebert
