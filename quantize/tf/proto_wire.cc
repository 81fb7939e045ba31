#include "quantize/tf/proto_wire.h"

#include <cstring>

namespace edgebert::tf {

Status WireReader::Error(const std::string& why) const {
  return DataLoss(what_ + ": malformed protobuf at byte " +
                  std::to_string(pos_) + " of " + std::to_string(msg_.size()) +
                  ": " + why);
}

Status WireReader::ReadVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= msg_.size()) return Error("varint runs past the end");
    const uint8_t b = static_cast<uint8_t>(msg_[pos_++]);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return Status::Ok();
    }
  }
  return Error("varint longer than 10 bytes");
}

Status WireReader::Next(WireField* f) {
  uint64_t tag = 0;
  EB_RETURN_IF_ERROR(ReadVarint(&tag));
  f->number = static_cast<uint32_t>(tag >> 3);
  if (f->number == 0 || (tag >> 3) > 0x1fffffff) {
    return Error("field number " + std::to_string(tag >> 3) + " is invalid");
  }
  const uint64_t wire = tag & 7;
  const std::string field = "field " + std::to_string(f->number);
  switch (wire) {
    case 0:
      f->type = WireType::kVarint;
      return ReadVarint(&f->varint);
    case 1:
    case 5: {
      const size_t n = wire == 1 ? 8 : 4;
      if (msg_.size() - pos_ < n)
        return Error(field + " fixed value truncated");
      uint64_t v = 0;
      std::memcpy(&v, msg_.data() + pos_, n);  // little-endian hosts only
      pos_ += n;
      f->type = wire == 1 ? WireType::kFixed64 : WireType::kFixed32;
      f->varint = v;
      return Status::Ok();
    }
    case 2: {
      uint64_t len = 0;
      EB_RETURN_IF_ERROR(ReadVarint(&len));
      if (len > msg_.size() - pos_) {
        return Error(field + " length " + std::to_string(len) +
                     " runs past the end");
      }
      f->type = WireType::kBytes;
      f->bytes = msg_.substr(pos_, len);
      pos_ += len;
      return Status::Ok();
    }
    default:
      return Error(field + " has wire type " + std::to_string(wire) +
                   " (groups and unknown types are not supported)");
  }
}

}  // namespace edgebert::tf
