// Minimal protobuf wire-format reader for the two TensorBundle messages
// (quantize/tf/bundle_proto.h): varint, fixed32/64 and length-delimited
// fields; groups (wire types 3/4) are refused. Every read is bounds-checked;
// a malformed message yields DataLoss naming the field number and offset.
#ifndef EDGEBERT_QUANTIZE_TF_PROTO_WIRE_H_
#define EDGEBERT_QUANTIZE_TF_PROTO_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/base/status.h"

namespace edgebert::tf {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kBytes = 2,
  kFixed32 = 5,
};

// One decoded field: `varint` holds varint/fixed values, `bytes` the payload
// of a length-delimited field (a view into the message).
struct WireField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;
  std::string_view bytes;
};

class WireReader {
 public:
  // `what` names the message in errors (e.g. "BundleEntryProto of 'x'").
  WireReader(std::string_view message, std::string what)
      : msg_(message), what_(std::move(what)) {}

  bool done() const { return pos_ >= msg_.size(); }
  // Reads the next field into *f.
  Status Next(WireField* f);

 private:
  Status ReadVarint(uint64_t* v);
  Status Error(const std::string& why) const;

  std::string_view msg_;
  std::string what_;
  size_t pos_ = 0;
};

}  // namespace edgebert::tf

#endif  // EDGEBERT_QUANTIZE_TF_PROTO_WIRE_H_
