// Safetensors parser fuzzer: bytes -> model.safetensors -> Open -> ToF32 of
// every tensor (bounded) and the metadata.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/model/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

namespace eb = edgebert;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = eb::fuzz::ScratchPath("model.safetensors");
  eb::fuzz::WriteFile(path, data, size);
  eb::StatusOr<eb::SafetensorsFile> f = eb::SafetensorsFile::Open(path);
  if (!f.ok()) return 0;
  std::vector<float> values;
  size_t total = 0;
  for (const auto& [name, tensor] : f.value().tensors()) {
    if (tensor.size > (1u << 20)) continue;  // keep each run fast.
    if (eb::ToF32(tensor, &values).ok()) total += values.size();
  }
  for (const auto& [key, value] : f.value().metadata()) total += value.size();
  static volatile size_t sink;
  sink = total;  // keep the reads.
  return 0;
}
