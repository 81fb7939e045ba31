#include "quantize/tf/sstable.h"

#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>

#include <memory>
#include <new>

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
