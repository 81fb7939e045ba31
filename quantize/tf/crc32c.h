// CRC-32C (Castagnoli), as TensorFlow checksums TensorBundle tensor bytes.
//
// Hand-written (one table, 256 entries): Debian 12 / Raspberry Pi OS bookworm
// ship no crc32c library package (libcrc32c-dev is not in bookworm; leveldb
// and snappy keep theirs internal). The TF index table's own block checksums
// are verified by leveldb (quantize/tf/sstable.h).
#ifndef EDGEBERT_QUANTIZE_TF_CRC32C_H_
#define EDGEBERT_QUANTIZE_TF_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::tf {

// crc32c of data[0, n) continuing from a previous crc (0 to start).
uint32_t Crc32cExtend(uint32_t crc, const uint8_t* data, size_t n);
inline uint32_t Crc32c(const uint8_t* data, size_t n) {
  return Crc32cExtend(0, data, n);
}

// TF/leveldb store crc32c values masked: rotate right by 15, add a constant.
inline uint32_t Crc32cMask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

}  // namespace edgebert::tf

#endif  // EDGEBERT_QUANTIZE_TF_CRC32C_H_
