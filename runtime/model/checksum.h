// Checksum64: the 64-bit checksum of an .ebm data section
// (Model.data_checksum, schema/edgebert.fbs).
//
// Algorithm: XXH64 with seed 0, written here from the published xxHash
// specification (so any XXH64 implementation can verify a file; e.g.
// Checksum64("") == 0xEF46DB3751D8E999). Files store its value: never change
// it.
//   P1..P5 below; rotl = 64-bit rotate left; words are little-endian uint64
//   read with memcpy (any alignment).
//   lane(acc, w)  = rotl(acc + w * P2, 31) * P1
//   1. n >= 32: four lanes v0..v3 start at seed+P1+P2, seed+P2, seed,
//      seed-P1 (seed = 0); each 32-byte stripe feeds word j to lane j.
//      h = rotl(v0,1) + rotl(v1,7) + rotl(v2,12) + rotl(v3,18), then for
//      each lane h = (h ^ lane(0, v)) * P1 + P4.
//      n < 32: h = P5.
//   2. h += n.
//   3. each remaining 8-byte word w: h = rotl(h ^ lane(0, w), 27) * P1 + P4.
//   4. remaining 4-byte word u (LE uint32): h = rotl(h ^ (u * P1), 23) * P2 +
//   P3.
//   5. each remaining byte b: h = rotl(h ^ (b * P5), 11) * P1.
//   6. avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
// Only 64-bit integer arithmetic modulo 2^64, so the value is identical on
// every platform with little-endian byte order (x86, AArch64, ARMv7).
// Speed: the four independent lanes run at several GB/s on x86-64/AArch64.
#ifndef EDGEBERT_RUNTIME_MODEL_CHECKSUM_H_
#define EDGEBERT_RUNTIME_MODEL_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgebert {
namespace checksum_internal {

inline constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
inline constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
inline constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;
inline constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
inline constexpr uint64_t kP5 = 0x27D4EB2F165667C5ULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Little-endian loads at any alignment (memcpy compiles to one load; the
// swap only exists on big-endian hosts).
inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

inline uint64_t Lane(uint64_t acc, uint64_t w) {
  return Rotl(acc + w * kP2, 31) * kP1;
}

}  // namespace checksum_internal

// Checksum of data[0, n). data may be null when n == 0.
inline uint64_t Checksum64(const uint8_t* data, size_t n) {
  using namespace checksum_internal;  // NOLINT(build/namespaces)
  const uint8_t* p = data;
  const uint8_t* const end = data + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v0 = kP1 + kP2, v1 = kP2, v2 = 0, v3 = 0 - kP1;
    const uint8_t* const limit = end - 32;
    do {
      v0 = Lane(v0, Load64(p));
      v1 = Lane(v1, Load64(p + 8));
      v2 = Lane(v2, Load64(p + 16));
      v3 = Lane(v3, Load64(p + 24));
      p += 32;
    } while (p <= limit);
    h = Rotl(v0, 1) + Rotl(v1, 7) + Rotl(v2, 12) + Rotl(v3, 18);
    h = (h ^ Lane(0, v0)) * kP1 + kP4;
    h = (h ^ Lane(0, v1)) * kP1 + kP4;
    h = (h ^ Lane(0, v2)) * kP1 + kP4;
    h = (h ^ Lane(0, v3)) * kP1 + kP4;
  } else {
    h = kP5;
  }
  h += static_cast<uint64_t>(n);
  while (end - p >= 8) {
    h = Rotl(h ^ Lane(0, Load64(p)), 27) * kP1 + kP4;
    p += 8;
  }
  if (end - p >= 4) {
    h = Rotl(h ^ (static_cast<uint64_t>(Load32(p)) * kP1), 23) * kP2 + kP3;
    p += 4;
  }
  while (p < end) {
    h = Rotl(h ^ (static_cast<uint64_t>(*p) * kP5), 11) * kP1;
    ++p;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

}  // namespace edgebert

#endif  // EDGEBERT_RUNTIME_MODEL_CHECKSUM_H_
