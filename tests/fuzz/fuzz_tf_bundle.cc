// libFuzzer harness for the TensorBundle reader (quantize/tf/, links
// edgebert_tf_bundle). Input: uint32 LE n, then n bytes of PREFIX.index, then
// the bytes of data shard 0 (bundles with num_shards != 1 are refused by
// FromMemory). Every listed tensor is read (checksum, conversion).
// Seeds: tests/fuzz/corpus/fuzz_tf_bundle/ (tests/fixtures/tf bundles in
// this layout).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "quantize/tf/tensor_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t n = 0;
  std::memcpy(&n, data, 4);
  const size_t index_size = n < size - 4 ? n : size - 4;
  const char* p = reinterpret_cast<const char*>(data) + 4;
  std::string index(p, index_size);
  std::string shard(p + index_size, size - 4 - index_size);
  auto b = edgebert::tf::TfBundle::FromMemory(std::move(index),
                                              {std::move(shard)}, "fuzz");
  if (!b.ok()) return 0;
  for (const edgebert::tf::TfTensorInfo& t : b->entries()) {
    std::vector<uint8_t> raw;
    (void)b->ReadBytes(t, &raw);
    (void)b->ReadF32(t.name);
  }
  return 0;
}
