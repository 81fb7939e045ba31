// A read-only, memory-mapped .ebm model file (format: schema/edgebert.fbs).
//
// Open() maps the file (or reads it into memory), runs flatbuffers::Verifier
// over the FlatBuffer part, checks the header checksum, that the file is
// exactly as long as the header declares, and every structural invariant the
// runtime relies on (config values, tensor bounds and 64-byte alignment, the
// byte count of every layout, int8 quantization parameters, tokenizer ids,
// label count). After a successful Open() nothing is validated again: tensor
// data is used in place (zero copy).
//
// A mapped file that is truncated while in use raises SIGBUS on access: the
// mapping guard (runtime/model/mapping_guard.h) turns that into zero pages
// and a DataLoss from FileStatus(); results computed since are invalid.
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

inline constexpr uint32_t kFormatVersion = 2;
inline constexpr size_t kTensorAlignment = 64;
// Largest K of an int8 GEMM weight: keeps 128 * weight_sums (the VNNI
// kernel's u8 offset correction) within int32 (codec.h).
inline constexpr int64_t kMaxI8GemmK = 65536;

struct OpenOptions {
  // true: mmap the file (zero copy, pages shared with the page cache);
  // false: read it into an aligned heap buffer (for media where files change
  // in place; costs the file size in RSS and a full read at load).
  bool use_mmap = true;
};

class MappingGuard;

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
  static StatusOr<std::unique_ptr<ModelFile>> Open(
      const std::string& path, const OpenOptions& options = {});
  // Copies an in-memory .ebm image of `size` bytes into an aligned heap
  // buffer (the same in-memory image as Open with use_mmap = false) and
  // validates it like Open(); `name` stands for the path in messages. For
  // the converter's calibration runs.
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
  // Row-major tensors only (every role except int8 GEMM weights).
  StatusOr<const TensorView*> Require(std::string_view name, fb::DType dtype,
                                      const std::vector<int64_t>& shape) const;

  // Recomputes Checksum64 over the data section; DataLoss on mismatch.
  Status VerifyChecksum() const;
  // Recomputes quant.weight_sums of every I8PackedK4 tensor from its bytes
  // (padding included, as the kernels use it); DataLoss naming the tensor
  // and channel on mismatch. Load only bounds them (|sum| <= 127 K: no
  // overflow); this reads every int8 weight (~40 ms for bert-base int8 on
  // the development machine), so it runs with the data checksum.
  Status VerifyWeightSums() const;
  // Hints the OS that [data, data + bytes) will not be read again (e.g. after
  // a backend copied the weights); pages are re-read from the file if
  // touched. Best effort.
  void Release(const TensorView& t) const;

  std::string Metadata(std::string_view key) const;  // "" if absent.

  // Ok while the mapping is intact; DataLoss naming the file and the offset
  // once a read of it faulted (file truncated or replaced in place). One
  // atomic load: cheap enough to call after every forward pass.
  Status FileStatus() const;

 private:
  ModelFile() = default;
  Status MapOrRead(int fd, bool use_mmap);
  // base_ = an aligned heap buffer of size_ bytes (mapped_ false).
  Status AllocateImage(const char* what);
  Status Validate();
  Status ValidateFraming(const std::string& where);
  Status ValidateConfig(const std::string& where) const;
  Status ValidateTensor(const fb::Tensor& tensor, const std::string& where);

  std::string path_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::unique_ptr<MappingGuard> guard_;
  const fb::Model* model_ = nullptr;
  std::unordered_map<std::string, TensorView> tensors_;
};

const char* DTypeName(fb::DType t);
std::string ShapeString(const std::vector<int64_t>& shape);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_MODEL_FILE_H_
