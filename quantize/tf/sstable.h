// Reads every key/value of a LevelDB-format table (the TensorBundle index,
// PREFIX.index) held in memory.
//
// Choice: Debian's libleveldb (leveldb::Table, public header
// leveldb/table.h) parses the table: footer + magic, block handles,
// prefix-compressed keys with restart points, block trailers (masked
// crc32c, verified for every block) and snappy-compressed blocks (Debian's
// leveldb links libsnappy). TensorFlow's table format is leveldb's. The
// package is in the same Debian 12 / Raspberry Pi OS bookworm archive for
// amd64, arm64 and armhf, ~1.3 MB installed with libsnappy as its only
// dependency, and only the converter links it (never the runtime). A
// hand-written reader would duplicate ~300 lines leveldb maintains.
//
// Bad input (short file, wrong magic, block handle past the end, checksum
// mismatch, bad snappy data, malformed block) -> DataLoss naming `what` and
// the reason; never a crash. leveldb allocates a block's claimed size before
// reading it, so the footer's and index block's handles (and snappy length
// claims) are range-checked here first: a small walk of the index block's
// entries, the only table parsing not left to leveldb.
#ifndef EDGEBERT_QUANTIZE_TF_SSTABLE_H_
#define EDGEBERT_QUANTIZE_TF_SSTABLE_H_

#include <string>
#include <utility>
#include <vector>

#include "runtime/base/status.h"

namespace edgebert::tf {

// Key/value pairs in table (bytewise key) order. `what` names the file in
// errors.
Status ReadSsTable(const std::string& bytes, const std::string& what,
                   std::vector<std::pair<std::string, std::string>>* out);

}  // namespace edgebert::tf

#endif  // EDGEBERT_QUANTIZE_TF_SSTABLE_H_
