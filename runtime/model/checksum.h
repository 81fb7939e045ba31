// Checksum64: the 64-bit checksum of an .ebm file's parts
// (Model.data_checksum and Model.header_checksum, schema/edgebert.fbs).
//
// Algorithm: XXH64 with seed 0, from Debian's libxxhash (xxhash.h, compiled
// inline: no run-time library needed). Any XXH64 implementation verifies a
// file, e.g. Checksum64("") == 0xEF46DB3751D8E999. Files store its value:
// never change it. XXH64 is defined on little-endian 64-bit words, so the
// value is the same on every platform (x86, AArch64, ARMv7).
#ifndef EDGEBERT_RUNTIME_MODEL_CHECKSUM_H_
#define EDGEBERT_RUNTIME_MODEL_CHECKSUM_H_

#include <cstddef>
#include <cstdint>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace edgebert {

inline constexpr uint64_t kChecksumSeed = 0;

// Checksum of data[0, n). data may be null when n == 0.
inline uint64_t Checksum64(const uint8_t* data, size_t n) {
  return XXH64(data, n, kChecksumSeed);
}

// Checksum64 of data[0, n) as if the 8 bytes at [hole, hole + 8) were zero
// (a checksum stored inside the bytes it covers). hole + 8 <= n.
inline uint64_t Checksum64ZeroingHole(const uint8_t* data, size_t n,
                                      size_t hole) {
  static const uint8_t kZeros[8] = {};
  XXH64_state_t state;
  XXH64_reset(&state, kChecksumSeed);
  XXH64_update(&state, data, hole);
  XXH64_update(&state, kZeros, sizeof(kZeros));
  XXH64_update(&state, data + hole + 8, n - hole - 8);
  return XXH64_digest(&state);
}

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_CHECKSUM_H_
