#include "runtime/model/file_integrity.h"

#include <cstring>

#include "flatbuffers/flatbuffers.h"
#include "runtime/model/checksum.h"

namespace edgebert {
namespace {

// Size-prefixed buffer length declared by its first 4 bytes, checked
// against `available`.
StatusOr<size_t> PrefixedBytes(const uint8_t* buf, size_t available) {
  if (available < 4) return DataLoss("model buffer shorter than its prefix");
  uint32_t s;
  std::memcpy(&s, buf, 4);
  if (uint64_t{s} + 4 > available) {
    return DataLoss("model buffer declares " + std::to_string(s) +
                    " FlatBuffer bytes but has " +
                    std::to_string(available - 4));
  }
  return size_t{s} + 4;
}

StatusOr<fb::Model*> VerifiedMutableModel(uint8_t* buf, size_t bytes) {
  flatbuffers::Verifier v(buf, bytes);
  if (!fb::VerifySizePrefixedModelBuffer(v)) {
    return DataLoss("model FlatBuffer verification failed");
  }
  return fb::GetMutableSizePrefixedModel(buf);
}

}  // namespace

StatusOr<uint64_t> HeaderChecksum(const uint8_t* buf, size_t prefixed_bytes,
                                  const fb::Model& model) {
  // fb::Model derives privately from flatbuffers::Table and adds no data.
  const uint8_t* field =
      reinterpret_cast<const flatbuffers::Table*>(&model)->GetAddressOf(
          fb::Model::VT_HEADER_CHECKSUM);
  if (field == nullptr) {
    return FailedPrecondition(
        "the FlatBuffer has no header_checksum field (written by an old or "
        "foreign converter)");
  }
  return Checksum64ZeroingHole(buf, prefixed_bytes,
                               static_cast<size_t>(field - buf));
}

Status SealModelHeader(uint8_t* buf, size_t prefixed_bytes) {
  StatusOr<size_t> n = PrefixedBytes(buf, prefixed_bytes);
  if (!n.ok()) return n.status();
  StatusOr<fb::Model*> m = VerifiedMutableModel(buf, n.value());
  if (!m.ok()) return m.status();
  StatusOr<uint64_t> h = HeaderChecksum(buf, n.value(), *m.value());
  if (!h.ok()) return h.status();
  if (!m.value()->mutate_header_checksum(h.value())) {
    return Internal("cannot store header_checksum");
  }
  return Status::Ok();
}

Status SealModelFile(uint8_t* file, size_t file_bytes) {
  StatusOr<size_t> n = PrefixedBytes(file, file_bytes);
  if (!n.ok()) return n.status();
  StatusOr<fb::Model*> m = VerifiedMutableModel(file, n.value());
  if (!m.ok()) return m.status();
  const uint64_t off = m.value()->data_offset(), size = m.value()->data_size();
  if (off > file_bytes || size > file_bytes - off) {
    return DataLoss("data section [" + std::to_string(off) + ", +" +
                    std::to_string(size) + ") exceeds the " +
                    std::to_string(file_bytes) + "-byte file");
  }
  if (!m.value()->mutate_data_checksum(Checksum64(file + off, size))) {
    return FailedPrecondition("the FlatBuffer has no data_checksum field");
  }
  return SealModelHeader(file, n.value());
}

}  // namespace edgebert
