// TensorFlow TensorBundle V2 checkpoints (what tf.train.Saver / TF1
// google-research/bert write: PREFIX.index + PREFIX.data-0000k-of-0000n),
// read without TensorFlow.
//
// Open() reads the index (a LevelDB-format table, quantize/tf/sstable.h),
// decodes the header (key "") and every entry (quantize/tf/bundle_proto.h)
// and validates all of it before returning: one header, little-endian,
// 1 <= num_shards <= kMaxShards, every shard file present, every entry's
// shard_id < num_shards, dims >= 0 with a known rank, offset + size within
// its shard, and size == elements * dtype size for fixed-size dtypes.
// A partitioned (sliced) variable is listed (sliced = true) but not
// readable; the per-slice keys TF stores beside it (keys starting with
// '\0') are not listed. Entries of any dtype are listed; ReadF32 converts
// float32, float16, bfloat16 and float64. Tensor checksums are verified
// when a tensor is read (ReadBytes / ReadF32), block checksums at Open.
//
// Errors: NotFound (no index / shard file, unknown tensor), DataLoss
// (corrupt or inconsistent file, checksum mismatch), Unimplemented
// (big-endian bundle, a dtype that does not convert, a sliced variable);
// each message names the file or tensor and the broken rule.
#ifndef EDGEBERT_QUANTIZE_TF_TENSOR_BUNDLE_H_
#define EDGEBERT_QUANTIZE_TF_TENSOR_BUNDLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert::tf {

inline constexpr int64_t kMaxShards = 100000;

struct TfTensorInfo {
  std::string name;
  int32_t dtype = 0;  // TfDType (quantize/tf/bundle_proto.h)
  std::vector<int64_t> shape;
  int64_t num_elements = 0;
  bool sliced = false;  // partitioned variable (or one of its slices)
  int64_t shard_id = 0;
  uint64_t offset = 0;
  uint64_t size = 0;  // bytes
  uint32_t masked_crc32c = 0;
};

// Byte source of one data shard (a file, or memory for tests and fuzzing).
class ShardSource {
 public:
  virtual ~ShardSource() = default;
  virtual uint64_t size() const = 0;
  // Reads [offset, offset + n), which the caller has checked lies within
  // size(); Internal/DataLoss on an I/O failure.
  virtual Status Read(uint64_t offset, size_t n, uint8_t* out) const = 0;
};

class TfBundle {
 public:
  TfBundle();
  ~TfBundle();
  TfBundle(TfBundle&&) noexcept;
  TfBundle& operator=(TfBundle&&) noexcept;

  // `prefix` is PREFIX (PREFIX.index must exist); see
  // quantize/tf/checkpoint_path.h to resolve a folder.
  static StatusOr<TfBundle> Open(const std::string& prefix);
  // The same from bytes: index table and shard contents (shards.size() must
  // equal the header's num_shards). `label` names the bundle in errors.
  static StatusOr<TfBundle> FromMemory(std::string index,
                                       std::vector<std::string> shards,
                                       const std::string& label);

  const std::string& label() const;
  // Every tensor, ordered by name (the index's order).
  const std::vector<TfTensorInfo>& entries() const;
  // nullptr if absent.
  const TfTensorInfo* Find(const std::string& name) const;

  // The tensor's values as float, after checking its crc32c.
  StatusOr<std::vector<float>> ReadF32(const std::string& name) const;
  // The tensor's raw bytes (any dtype but sliced), after checking its crc32c.
  Status ReadBytes(const TfTensorInfo& t, std::vector<uint8_t>* out) const;

 private:
  // Reads t's t.size bytes into dst and checks their crc32c.
  Status ReadInto(const TfTensorInfo& t, uint8_t* dst) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Resolves `path` (folder or prefix, quantize/tf/checkpoint_path.h) and
// opens it.
StatusOr<TfBundle> OpenTfBundle(const std::string& prefix_or_dir);

}  // namespace edgebert::tf

#endif  // EDGEBERT_QUANTIZE_TF_TENSOR_BUNDLE_H_
