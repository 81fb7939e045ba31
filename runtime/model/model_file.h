// A read-only, memory-mapped .ebm model file (format: schema/edgebert.fbs).
//
// Open() maps the file, runs flatbuffers::Verifier over the FlatBuffer part
// and checks every structural invariant the runtime relies on (config values,
// tensor bounds and 64-byte alignment, dtype sizes, tokenizer ids, label
// count). After a successful Open() nothing is validated again: tensor data
// is used in place from the mapping (zero copy).
//
// Thread safety: immutable after Open(); share freely between threads.
#ifndef EDGEBERT_RUNTIME_MODEL_MODEL_FILE_H_
#define EDGEBERT_RUNTIME_MODEL_MODEL_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/base/status.h"
#include "schema/edgebert_generated.h"

namespace edgebert {

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kTensorAlignment = 64;

struct TensorView {
  const fb::Tensor* meta = nullptr;
  const uint8_t* data = nullptr;  // 64-byte aligned, inside the mapping.
  size_t bytes = 0;
  std::vector<int64_t> shape;
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data);
  }
};

class ModelFile {
 public:
  static StatusOr<std::unique_ptr<ModelFile>> Open(const std::string& path);
  // Copies an in-memory .ebm image of `size` bytes into a private read-only
  // page-aligned mapping and validates it like Open(); `name` stands for the
  // path in messages. For the converter's calibration runs.
  static StatusOr<std::unique_ptr<ModelFile>> FromBytes(
      const uint8_t* data, size_t size, const std::string& name);
  ~ModelFile();
  ModelFile(const ModelFile&) = delete;
  ModelFile& operator=(const ModelFile&) = delete;

  const fb::Model& model() const { return *model_; }
  const std::string& path() const { return path_; }
  size_t file_bytes() const { return size_; }

  // Null if absent.
  const TensorView* Find(std::string_view name) const;
  // Finds `name` and checks dtype and shape; the error names the tensor, the
  // expected and the actual value.
  StatusOr<const TensorView*> Require(std::string_view name, fb::DType dtype,
                                      const std::vector<int64_t>& shape) const;

  // Recomputes Checksum64 over the data section; DataLoss on mismatch.
  Status VerifyChecksum() const;
  // Hints the OS that [data, data + bytes) will not be read again (e.g. after
  // a backend copied the weights); pages are re-read from the file if
  // touched. Best effort.
  void Release(const TensorView& t) const;

  std::string Metadata(std::string_view key) const;  // "" if absent.

 private:
  ModelFile() = default;
  Status Validate();

  std::string path_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  const fb::Model* model_ = nullptr;
  std::unordered_map<std::string, TensorView> tensors_;
};

const char* DTypeName(fb::DType t);
std::string ShapeString(const std::vector<int64_t>& shape);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_MODEL_FILE_H_
