#include "quantize/tf/tensor_bundle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>

#include "quantize/tf/bundle_proto.h"
#include "quantize/tf/checkpoint_path.h"
#include "quantize/tf/crc32c.h"
#include "quantize/tf/sstable.h"
#include "runtime/model/safetensors.h"

namespace edgebert::tf {

namespace {

class FileShard : public ShardSource {
 public:
  FileShard(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~FileShard() override { close(fd_); }
  uint64_t size() const override { return size_; }
  Status Read(uint64_t offset, size_t n, uint8_t* out) const override {
    while (n > 0) {
      const ssize_t got = pread(fd_, out, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        return DataLoss(
            path_ + ": read at byte " + std::to_string(offset) +
            " failed: " + (got < 0 ? std::strerror(errno) : "file shrank"));
      }
      out += got;
      offset += static_cast<uint64_t>(got);
      n -= static_cast<size_t>(got);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class MemoryShard : public ShardSource {
 public:
  explicit MemoryShard(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  Status Read(uint64_t offset, size_t n, uint8_t* out) const override {
    std::memcpy(out, bytes_.data() + offset, n);
    return Status::Ok();
  }

 private:
  std::string bytes_;
};

StatusOr<std::unique_ptr<ShardSource>> OpenShardFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return NotFound("TF checkpoint data shard " + path +
                    " cannot be opened: " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return NotFound("TF checkpoint data shard " + path +
                    " is not a regular file");
  }
  return std::unique_ptr<ShardSource>(
      new FileShard(path, fd, static_cast<uint64_t>(st.st_size)));
}

Status ReadWholeFile(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return NotFound("TF checkpoint index " + path +
                    " cannot be opened: " + std::strerror(errno));
  }
  out->clear();
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  const bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return DataLoss("TF checkpoint index " + path + ": read failed");
  return Status::Ok();
}

std::string ShardSuffix(int64_t k, int64_t n) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), ".data-%05lld-of-%05lld",
                static_cast<long long>(k), static_cast<long long>(n));
  return buf;
}

// Shape and byte-range rules of one entry (see the header).
Status ValidateEntry(const BundleEntry& e, const std::string& name,
                     const std::string& label,
                     const std::vector<std::unique_ptr<ShardSource>>& shards,
                     TfTensorInfo* t) {
  const std::string where = label + ": tensor '" + name + "'";
  if (e.unknown_rank) return DataLoss(where + " has an unknown rank");
  int64_t n = 1;
  for (int64_t d : e.shape) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) {
      return DataLoss(where + " has an invalid dimension " + std::to_string(d));
    }
  }
  t->name = name;
  t->dtype = e.dtype;
  t->shape = e.shape;
  t->num_elements = n;
  t->sliced = e.num_slices > 0;
  if (t->sliced) return Status::Ok();  // data lives in the slice entries
  if (e.shard_id < 0 || e.shard_id >= static_cast<int64_t>(shards.size())) {
    return DataLoss(where + " names shard " + std::to_string(e.shard_id) +
                    " but the bundle has " + std::to_string(shards.size()));
  }
  const uint64_t shard_size = shards[e.shard_id]->size();
  if (e.offset < 0 || e.size < 0 ||
      static_cast<uint64_t>(e.offset) > shard_size ||
      static_cast<uint64_t>(e.size) > shard_size - e.offset) {
    return DataLoss(where + " bytes [" + std::to_string(e.offset) + ", +" +
                    std::to_string(e.size) + ") lie outside its " +
                    std::to_string(shard_size) + "-byte data shard " +
                    std::to_string(e.shard_id));
  }
  if (static_cast<uint64_t>(e.size) > SIZE_MAX) {
    return ResourceExhausted(where + " has " + std::to_string(e.size) +
                             " bytes, more than this platform can address");
  }
  const size_t esize = TfDTypeSize(e.dtype);
  int64_t want = 0;
  if (esize != 0 &&
      (__builtin_mul_overflow(n, int64_t(esize), &want) || want != e.size)) {
    return DataLoss(where + " (" + TfDTypeName(e.dtype) + ", " +
                    std::to_string(n) + " elements) has " +
                    std::to_string(e.size) + " bytes, expected " +
                    std::to_string(n) + " x " + std::to_string(esize));
  }
  t->shard_id = e.shard_id;
  t->offset = static_cast<uint64_t>(e.offset);
  t->size = static_cast<uint64_t>(e.size);
  t->masked_crc32c = e.masked_crc32c;
  return Status::Ok();
}

Status CheckHeader(const std::vector<std::pair<std::string, std::string>>& kv,
                   const std::string& label, BundleHeader* h) {
  if (kv.empty() || !kv[0].first.empty()) {
    return DataLoss(label + ": the index has no header entry (key \"\"); " +
                    "not a TensorBundle V2 index");
  }
  EB_RETURN_IF_ERROR(DecodeBundleHeader(kv[0].second, h));
  if (h->endianness != 0) {
    return Unimplemented(label + ": big-endian bundle (endianness " +
                         std::to_string(h->endianness) +
                         "); only little-endian checkpoints are supported");
  }
  if (h->num_shards < 1 || h->num_shards > kMaxShards) {
    return DataLoss(label + ": num_shards " + std::to_string(h->num_shards) +
                    " is outside [1, " + std::to_string(kMaxShards) + "]");
  }
  return Status::Ok();
}

}  // namespace

struct TfBundle::Impl {
  std::string label;
  std::vector<TfTensorInfo> entries;
  std::vector<std::unique_ptr<ShardSource>> shards;

  // Fills entries from the index bytes; `open_shards(num_shards)` provides
  // the shard sources once the header is known.
  template <typename OpenShards>
  Status Load(const std::string& index, OpenShards open_shards) {
    std::vector<std::pair<std::string, std::string>> kv;
    EB_RETURN_IF_ERROR(ReadSsTable(index, label + ".index", &kv));
    BundleHeader h;
    EB_RETURN_IF_ERROR(CheckHeader(kv, label, &h));
    EB_RETURN_IF_ERROR(open_shards(h.num_shards));
    for (size_t i = 1; i < kv.size(); ++i) {
      // Keys starting with '\0' hold one slice of a partitioned variable
      // (TF's EncodeTensorNameSlice); the variable's own entry is listed.
      if (kv[i].first[0] == '\0') continue;
      BundleEntry e;
      EB_RETURN_IF_ERROR(DecodeBundleEntry(kv[i].second, kv[i].first, &e));
      TfTensorInfo t;
      EB_RETURN_IF_ERROR(ValidateEntry(e, kv[i].first, label, shards, &t));
      entries.push_back(std::move(t));
    }
    return Status::Ok();
  }
};

TfBundle::TfBundle() : impl_(std::make_unique<Impl>()) {}
TfBundle::~TfBundle() = default;
TfBundle::TfBundle(TfBundle&&) noexcept = default;
TfBundle& TfBundle::operator=(TfBundle&&) noexcept = default;

StatusOr<TfBundle> TfBundle::Open(const std::string& prefix) {
  TfBundle b;
  b.impl_->label = prefix;
  std::string index;
  EB_RETURN_IF_ERROR(ReadWholeFile(prefix + ".index", &index));
  Impl* impl = b.impl_.get();
  EB_RETURN_IF_ERROR(impl->Load(index, [&](int64_t n) {
    for (int64_t k = 0; k < n; ++k) {
      StatusOr<std::unique_ptr<ShardSource>> s =
          OpenShardFile(prefix + ShardSuffix(k, n));
      if (!s.ok()) return s.status();
      impl->shards.push_back(std::move(s.value()));
    }
    return Status::Ok();
  }));
  return b;
}

StatusOr<TfBundle> TfBundle::FromMemory(std::string index,
                                        std::vector<std::string> shards,
                                        const std::string& label) {
  TfBundle b;
  b.impl_->label = label;
  Impl* impl = b.impl_.get();
  EB_RETURN_IF_ERROR(impl->Load(index, [&](int64_t n) {
    if (n != static_cast<int64_t>(shards.size())) {
      return NotFound(label + ": the header names " + std::to_string(n) +
                      " data shards, " + std::to_string(shards.size()) +
                      " given");
    }
    for (std::string& s : shards) {
      impl->shards.push_back(std::make_unique<MemoryShard>(std::move(s)));
    }
    return Status::Ok();
  }));
  return b;
}

const std::string& TfBundle::label() const { return impl_->label; }

const std::vector<TfTensorInfo>& TfBundle::entries() const {
  return impl_->entries;
}

const TfTensorInfo* TfBundle::Find(const std::string& name) const {
  const auto& e = impl_->entries;
  auto it = std::lower_bound(
      e.begin(), e.end(), name,
      [](const TfTensorInfo& t, const std::string& n) { return t.name < n; });
  return it != e.end() && it->name == name ? &*it : nullptr;
}

Status TfBundle::ReadInto(const TfTensorInfo& t, uint8_t* dst) const {
  const std::string where = impl_->label + ": tensor '" + t.name + "'";
  if (t.sliced) {
    return Unimplemented(where +
                         " is a partitioned (sliced) variable; re-save the "
                         "checkpoint with unpartitioned variables");
  }
  if (t.size > 0) {
    EB_RETURN_IF_ERROR(impl_->shards[t.shard_id]->Read(t.offset, t.size, dst));
  }
  const uint32_t got = Crc32cMask(Crc32c(dst, t.size));
  if (got != t.masked_crc32c) {
    char buf[96];
    std::snprintf(buf, sizeof(buf),
                  " data fails its checksum (masked crc32c %08x, index says "
                  "%08x)",
                  got, t.masked_crc32c);
    return DataLoss(where + buf);
  }
  return Status::Ok();
}

Status TfBundle::ReadBytes(const TfTensorInfo& t,
                           std::vector<uint8_t>* out) const {
  out->resize(t.sliced ? 0 : t.size);
  return ReadInto(t, out->data());
}

StatusOr<std::vector<float>> TfBundle::ReadF32(const std::string& name) const {
  const TfTensorInfo* t = Find(name);
  if (t == nullptr) {
    return NotFound(impl_->label + ": no tensor '" + name + "'");
  }
  const int32_t d = t->dtype;
  if (d != kTfFloat && d != kTfHalf && d != kTfBfloat16 && d != kTfDouble &&
      !t->sliced) {
    return Unimplemented(impl_->label + ": tensor '" + name + "' is " +
                         TfDTypeName(d) +
                         "; only float32, float16, bfloat16 and float64 "
                         "convert to float");
  }
  std::vector<float> out(t->sliced ? 0 : size_t(t->num_elements));
  if (d == kTfFloat) {  // straight into the result: no second copy
    EB_RETURN_IF_ERROR(ReadInto(*t, reinterpret_cast<uint8_t*>(out.data())));
    return out;
  }
  std::vector<uint8_t> bytes;
  EB_RETURN_IF_ERROR(ReadBytes(*t, &bytes));
  const uint8_t* p = bytes.data();
  for (size_t i = 0; i < out.size(); ++i) {
    if (d == kTfDouble) {
      double v;
      std::memcpy(&v, p + 8 * i, 8);
      out[i] = static_cast<float>(v);
    } else {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = d == kTfHalf ? HalfToFloat(h) : Bf16ToFloat(h);
    }
  }
  return out;
}

StatusOr<TfBundle> OpenTfBundle(const std::string& prefix_or_dir) {
  StatusOr<std::string> prefix = ResolveTfPrefix(prefix_or_dir);
  if (!prefix.ok()) return prefix.status();
  return TfBundle::Open(prefix.value());
}

}  // namespace edgebert::tf
