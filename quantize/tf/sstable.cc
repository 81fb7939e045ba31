#include "quantize/tf/sstable.h"

#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>

#include <snappy.h>

#include <cstring>
#include <memory>
#include <new>
#include <string_view>

namespace edgebert::tf {

namespace {

// A leveldb file over a byte buffer; reads outside it fail (Corruption),
// so a block handle past the end never reaches memory.
class MemoryFile : public leveldb::RandomAccessFile {
 public:
  explicit MemoryFile(const std::string& bytes) : bytes_(bytes) {}
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* /*scratch*/) const override {
    if (offset > bytes_.size() || n > bytes_.size() - offset) {
      return leveldb::Status::Corruption(
          "block [" + std::to_string(offset) + ", +" + std::to_string(n) +
          ") lies outside the " + std::to_string(bytes_.size()) + "-byte file");
    }
    *result = leveldb::Slice(bytes_.data() + offset, n);
    return leveldb::Status::OK();
  }

 private:
  const std::string& bytes_;
};

constexpr size_t kFooterSize = 48;  // 2 handles <= 40 bytes + 8 magic
constexpr size_t kTrailerSize = 5;  // compression type + masked crc32c
constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr uint64_t kSnappyMaxRatio = 32;  // snappy never expands more

bool Varint(std::string_view* s, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !s->empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(s->front());
    s->remove_prefix(1);
    *v |= uint64_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// A block handle (offset, size) whose block + trailer lie within
// [0, limit); a snappy block's claimed length is bounded by its size.
Status CheckHandle(std::string_view* s, const std::string& bytes,
                   uint64_t limit, const std::string& what) {
  uint64_t off = 0, size = 0;
  if (!Varint(s, &off) || !Varint(s, &size)) {
    return DataLoss(what + ": malformed block handle");
  }
  if (off > limit || size > limit - off || kTrailerSize > limit - off - size) {
    return DataLoss(what + ": block [" + std::to_string(off) + ", +" +
                    std::to_string(size) + ") lies outside the " +
                    std::to_string(limit) + " bytes before the footer");
  }
  size_t ulen = 0;
  if (bytes[off + size] == 1 &&
      snappy::GetUncompressedLength(bytes.data() + off, size, &ulen) &&
      ulen > kSnappyMaxRatio * size + 64) {
    return DataLoss(what + ": snappy block at " + std::to_string(off) +
                    " claims " + std::to_string(ulen) + " bytes");
  }
  return Status::Ok();
}

// leveldb allocates each block's claimed size before reading it, so every
// handle (footer, index entries) is range-checked first. Malformations this
// does not see (short file, bad magic) are left to leveldb's own messages.
Status CheckBlockHandles(const std::string& bytes, const std::string& what) {
  if (bytes.size() < kFooterSize) return Status::Ok();
  uint64_t magic = 0;
  std::memcpy(&magic, bytes.data() + bytes.size() - 8, 8);
  if (magic != kTableMagic) return Status::Ok();
  const uint64_t limit = bytes.size() - kFooterSize;
  std::string_view footer(bytes.data() + limit, kFooterSize);
  EB_RETURN_IF_ERROR(CheckHandle(&footer, bytes, limit, what));  // metaindex
  std::string_view index_handle = footer;
  EB_RETURN_IF_ERROR(CheckHandle(&footer, bytes, limit, what));
  uint64_t off = 0, size = 0;
  Varint(&index_handle, &off);
  Varint(&index_handle, &size);
  std::string block = bytes.substr(off, size);
  if (bytes[off + size] == 1 &&
      !snappy::Uncompress(bytes.data() + off, size, &block)) {
    return DataLoss(what + ": index block is not valid snappy data");
  }
  // Block: entries (varint shared, non_shared, value_len; key delta;
  // value), restart offsets (uint32 each), their count (uint32).
  if (block.size() < 4) return DataLoss(what + ": index block too short");
  uint32_t restarts = 0;
  std::memcpy(&restarts, block.data() + block.size() - 4, 4);
  if (restarts > (block.size() - 4) / 4) {
    return DataLoss(what + ": index block restart count out of range");
  }
  std::string_view e(block.data(), block.size() - 4 - 4 * size_t(restarts));
  while (!e.empty()) {
    uint64_t shared = 0, non_shared = 0, value_len = 0;
    if (!Varint(&e, &shared) || !Varint(&e, &non_shared) ||
        !Varint(&e, &value_len) || non_shared > e.size() ||
        value_len > e.size() - non_shared) {
      return DataLoss(what + ": malformed index block entry");
    }
    std::string_view value = e.substr(non_shared, value_len);
    e.remove_prefix(non_shared + value_len);
    EB_RETURN_IF_ERROR(CheckHandle(&value, bytes, limit, what));
  }
  return Status::Ok();
}

Status Iterate(leveldb::Table* table, const std::string& what,
               std::vector<std::pair<std::string, std::string>>* out) {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out->emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) {
    return DataLoss(what + ": corrupt table: " + it->status().ToString());
  }
  return Status::Ok();
}

}  // namespace

Status ReadSsTable(const std::string& bytes, const std::string& what,
                   std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  EB_RETURN_IF_ERROR(CheckBlockHandles(bytes, what));
  MemoryFile file(bytes);
  leveldb::Options options;
  options.paranoid_checks = true;  // verify the index block's checksum too
  // leveldb allocates a block's claimed size before reading it; a claim
  // beyond the address space throws. Sizes within it are read from
  // `bytes` (bounds-checked) or fail.
  try {
    leveldb::Table* raw = nullptr;
    const leveldb::Status s =
        leveldb::Table::Open(options, &file, bytes.size(), &raw);
    if (!s.ok()) return DataLoss(what + ": not a valid table: " + s.ToString());
    std::unique_ptr<leveldb::Table> table(raw);
    return Iterate(table.get(), what, out);
  } catch (const std::bad_alloc&) {
    return DataLoss(what + ": a block handle claims more bytes than can be " +
                    "allocated (corrupt table)");
  }
}

}  // namespace edgebert::tf
