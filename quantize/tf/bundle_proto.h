// The two TensorBundle V2 index messages (tensorflow/core/protobuf/
// tensor_bundle.proto), decoded with quantize/tf/proto_wire.h:
//   BundleHeaderProto  (key ""): num_shards = 1, endianness = 2,
//                                version = 3 (VersionDef: producer = 1,
//                                min_consumer = 2, bad_consumers = 3)
//   BundleEntryProto (other keys): dtype = 1, shape = 2 (TensorShapeProto:
//                                dim = 2 {size = 1}, unknown_rank = 3),
//                                shard_id = 3, offset = 4, size = 5,
//                                crc32c = 6 (fixed32, masked),
//                                slices = 7 (repeated TensorSliceProto)
// Unknown fields are skipped. Decoding checks the wire format only; the
// bundle (quantize/tf/tensor_bundle.h) checks values against each other.
#ifndef EDGEBERT_QUANTIZE_TF_BUNDLE_PROTO_H_
#define EDGEBERT_QUANTIZE_TF_BUNDLE_PROTO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert::tf {

// tensorflow/core/framework/types.proto DataType values used here; any
// other value is kept as its number.
enum TfDType : int32_t {
  kTfFloat = 1,
  kTfDouble = 2,
  kTfInt32 = 3,
  kTfUint8 = 4,
  kTfInt16 = 5,
  kTfInt8 = 6,
  kTfString = 7,
  kTfInt64 = 9,
  kTfBool = 10,
  kTfBfloat16 = 14,
  kTfUint16 = 17,
  kTfHalf = 19,
  kTfUint32 = 22,
  kTfUint64 = 23,
};

// numpy-style name ("float32", "bfloat16", "string"); "dtype_<N>" for a
// value this table does not know.
std::string TfDTypeName(int32_t dtype);
// Bytes per element of a fixed-size dtype; 0 for string and unknown dtypes.
size_t TfDTypeSize(int32_t dtype);

struct BundleHeader {
  int64_t num_shards = 0;
  int64_t endianness = 0;  // 0 little, 1 big
  int64_t version_producer = 0;
  int64_t version_min_consumer = 0;
};

struct BundleEntry {
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  bool unknown_rank = false;
  int64_t shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;
  uint32_t masked_crc32c = 0;
  int num_slices = 0;  // > 0: a partitioned (sliced) variable
};

Status DecodeBundleHeader(std::string_view bytes, BundleHeader* out);
// `name` is the tensor name, for errors.
Status DecodeBundleEntry(std::string_view bytes, const std::string& name,
                         BundleEntry* out);

}  // namespace edgebert::tf

#endif  // EDGEBERT_QUANTIZE_TF_BUNDLE_PROTO_H_
