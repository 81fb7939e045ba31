// Read-only safetensors reader (https://huggingface.co/docs/safetensors).
//
// File layout: [0, 8) uint64 LE header length N; [8, 8 + N) UTF-8 JSON object
// name -> {"dtype": str, "shape": [int...], "data_offsets": [begin, end]}
// plus an optional "__metadata__" object of strings; [8 + N, file end) the
// data area, offsets relative to its start.
//
// Open() mmaps the file and validates the whole header: N within the file,
// valid JSON object, every dtype a safetensors dtype, end - begin ==
// prod(shape) * dtype size, begin <= end <= data area size, no two tensors
// overlapping. Tensors of any safetensors dtype are listed (checkpoints carry
// e.g. I64 `position_ids` buffers nobody reads); ToF32() converts F32, F16
// and BF16 and returns Unimplemented naming the dtype and tensor otherwise.
// An unknown dtype string is rejected by Open() (Unimplemented).
#ifndef EDGEBERT_RUNTIME_MODEL_SAFETENSORS_H_
#define EDGEBERT_RUNTIME_MODEL_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert {

enum class StDType {
  kBool,
  kU8,
  kI8,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kF64,
  kI64,
  kU64,
  kF8E4M3,
  kF8E5M2,
};

// Safetensors spelling ("F32", "BF16", ...).
const char* StDTypeName(StDType t);
// Bytes per element.
size_t StDTypeSize(StDType t);

struct StTensor {
  std::string name;
  StDType dtype = StDType::kF32;
  std::vector<int64_t> shape;
  int64_t num_elements = 0;
  // Points into the mapping (valid while the owning SafetensorsFile lives);
  // no alignment guarantee: read with memcpy. Little-endian.
  const uint8_t* data = nullptr;
  size_t size = 0;  // bytes
};

class SafetensorsFile {
 public:
  SafetensorsFile();
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;

  // NotFound if the file cannot be opened; DataLoss for a malformed or
  // truncated file; Unimplemented for an unknown dtype.
  static StatusOr<SafetensorsFile> Open(const std::string& path);

  const std::string& path() const;
  // nullptr if absent.
  const StTensor* Find(const std::string& name) const;
  // All tensors, ordered by name.
  const std::map<std::string, StTensor>& tensors() const;
  // "__metadata__" string entries (non-string values are skipped).
  const std::map<std::string, std::string>& metadata() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// IEEE binary16 / bfloat16 bit patterns to float (exact; NaN stays NaN,
// subnormals handled).
float HalfToFloat(uint16_t h);
float Bf16ToFloat(uint16_t b);

// Converts t's elements to float into *out (resized to num_elements).
// Unimplemented naming the dtype and tensor for dtypes other than
// F32/F16/BF16.
Status ToF32(const StTensor& t, std::vector<float>* out);

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_SAFETENSORS_H_
